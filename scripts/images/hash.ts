// Input hashes of image builds: a directory tree (relative paths, modes, contents) plus named
// strings (base keys, recipe versions, lock files). Same inputs, same key.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, lstatSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** Every file under `dir` as [relative path, mode, content digest], sorted by path. */
export function treeEntries(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(dir, r));
    if (st.isDirectory()) out.push(`${r}/ ${(st.mode & 0o7777).toString(8)}`, ...treeEntries(dir, r));
    else if (st.isSymbolicLink()) out.push(`${r} -> ${readlinkSync(join(dir, r))}`);
    else out.push(`${r} ${(st.mode & 0o7777).toString(8)} ${sha256(readFileSync(join(dir, r)))}`);
  }
  return out;
}

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** One key over named parts; a part's name is hashed with it, so parts cannot be confused. */
export function inputKey(parts: Record<string, string | string[]>): string {
  const h = createHash("sha256");
  for (const name of Object.keys(parts).sort()) {
    const v = parts[name];
    h.update(`${name}\0${Array.isArray(v) ? v.join("\n") : v}\0`);
  }
  return h.digest("hex");
}
