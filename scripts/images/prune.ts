// Shrinks the controller image's node_modules to the packages the controller can load. Pepr's
// production dependencies include its CLI toolchain (eslint, typescript-eslint, ts-morph with
// TypeScript, quicktype, prettier...); the controller process (pepr/dist/controller.js) and the
// module it forks (which requires `pepr` and the externals Pepr leaves out of the bundle) need
// none of them. esbuild resolves every static require from those entry points; a package none of
// whose files is reached is removed whole. KEEP
// names packages loaded by path or by a computed name, which esbuild cannot see. Inside the kept
// packages, TypeScript sources and declarations, source maps and Markdown go (Node never loads them).
import { existsSync, readdirSync, readFileSync, rmSync, statSync, type WriteStream } from "node:fs";
import { builtinModules } from "node:module";
import { gunzipSync } from "node:zlib";
import { join, relative, sep } from "node:path";
import { build, type Plugin } from "esbuild";

/** pino-pretty: a pino transport (a worker thread that loads it by name) when PEPR_PRETTY_LOGS=true. */
export const KEEP = ["pino-pretty"];
const ENTRIES = ["pepr/dist/controller.js", "pepr"];

/** Files Node never loads at run time: TypeScript sources and declarations, source maps, docs. */
export const STRIPPED_FILES = /\.(ts|d\.[mc]ts|map|md|markdown)$/i;
const LICENSE = /^(licen[cs]e|copying|notice)/i;

/** Part of the controller image's input key: changes here must change this string. */
export const PRUNE_RECIPE = `reachable-v1 entries=${ENTRIES.join(",")} keep=${KEEP.join(",")} strip=${STRIPPED_FILES.source}`;

/** Pepr's bundled module as the chart ships it (templates/pepr/module-secret.yaml): hash and gzip. */
export function chartModule(chartModuleSecret: string): { hash: string; gz: Buffer } {
  const m = /module-([0-9a-f]+)\.js\.gz: >-\n((?: {4}\S+\n)+)/.exec(chartModuleSecret);
  if (!m) throw new Error("helm/portico/templates/pepr/module-secret.yaml: no module-<hash>.js.gz (run npm run build)");
  return { hash: m[1], gz: Buffer.from(m[2].replace(/\s+/g, ""), "base64") };
}

/** The packages Pepr's bundled module requires at run time (read from the generated chart). */
export function moduleRequires(chartModuleSecret: string): string[] {
  const js = gunzipSync(chartModule(chartModuleSecret).gz).toString("utf8");
  const builtin = new Set(builtinModules);
  const names = [...js.matchAll(/require\("([^"]+)"\)/g)].map((r) => r[1]).filter((n) => !n.startsWith("node:") && !builtin.has(n.split("/")[0]));
  return [...new Set(names)].sort();
}

/** node_modules/<pkg> directories (nested ones included) of every file in `inputs`. */
export function packageDirs(inputs: string[]): Set<string> {
  const dirs = new Set<string>();
  for (const f of inputs) {
    const parts = f.split(sep);
    for (let i = parts.lastIndexOf("node_modules"); i >= 0; i = parts.lastIndexOf("node_modules", i - 1)) {
      const scoped = parts[i + 1]?.startsWith("@");
      dirs.add(parts.slice(0, i + (scoped ? 3 : 2)).join(sep));
      break;
    }
  }
  return dirs;
}

/** A require esbuild cannot resolve (an optional dependency that is not installed) is left alone. */
const unresolvedIsExternal: Plugin = {
  name: "unresolved-is-external",
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === "inner" || args.kind === "entry-point") return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: "inner" });
      return r.errors.length ? { path: args.path, external: true } : r;
    });
  },
};

function dependencyClosure(app: string, names: string[]): Set<string> {
  const out = new Set<string>();
  const visit = (dir: string) => {
    if (out.has(dir) || !existsSync(join(dir, "package.json"))) return;
    out.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      // Node's lookup: the nearest node_modules/<dep> walking up from the package.
      for (let d = dir; d.startsWith(app); d = join(d, "..")) {
        const cand = join(d, "node_modules", dep);
        if (existsSync(cand)) {
          visit(cand);
          break;
        }
      }
    }
  };
  for (const n of names) visit(join(app, "node_modules", n));
  return out;
}

function installedPackages(nodeModules: string): string[] {
  const out: string[] = [];
  if (!existsSync(nodeModules)) return out;
  for (const name of readdirSync(nodeModules)) {
    if (name.startsWith(".")) continue;
    const p = join(nodeModules, name);
    if (name.startsWith("@")) for (const s of readdirSync(p)) out.push(join(p, s), ...installedPackages(join(p, s, "node_modules")));
    else out.push(p, ...installedPackages(join(p, "node_modules")));
  }
  return out;
}

/** Removes STRIPPED_FILES (never license texts) under `dir`; returns how many. */
function strip(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += strip(p);
    else if (e.isFile() && STRIPPED_FILES.test(e.name) && !LICENSE.test(e.name)) {
      rmSync(p);
      n++;
    }
  }
  return n;
}

function du(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? du(p) : e.isFile() ? statSync(p).size : 0;
  }
  return n;
}

export async function pruneControllerApp(app: string, extraEntries: string[], log: WriteStream): Promise<void> {
  const entries = [...ENTRIES, ...extraEntries];
  const result = await build({
    stdin: { contents: entries.map((e) => `require(${JSON.stringify(e)});`).join("\n"), resolveDir: app, loader: "js" },
    absWorkingDir: app,
    bundle: true,
    platform: "node",
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins: [unresolvedIsExternal],
    loader: { ".node": "empty" },
  });
  const reached = packageDirs(Object.keys(result.metafile!.inputs).map((f) => join(app, f)));
  for (const d of dependencyClosure(app, KEEP)) reached.add(d);
  const before = du(join(app, "node_modules"));
  let removed = 0;
  for (const pkg of installedPackages(join(app, "node_modules"))) {
    const holdsKept = [...reached].some((r) => r.startsWith(pkg + sep));
    if (reached.has(pkg) || holdsKept || !existsSync(pkg)) continue;
    rmSync(pkg, { recursive: true, force: true });
    removed++;
  }
  // Command shims of the removed CLIs; nothing at run time uses them.
  rmSync(join(app, "node_modules", ".bin"), { recursive: true, force: true });
  const stripped = strip(join(app, "node_modules"));
  const after = du(join(app, "node_modules"));
  log.write(
    `prune: kept ${reached.size} packages, removed ${removed}, stripped ${stripped} files; node_modules ${(before / 1e6).toFixed(1)} MB -> ${(after / 1e6).toFixed(1)} MB\n`,
  );
  for (const r of [...reached].sort()) log.write(`prune: kept ${relative(app, r)}\n`);
}
