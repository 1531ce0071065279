// A temporary nginx prefix laid out like the agent's (conf/, tmp/, lua/), with a generated
// default certificate, for tests that run `nginx -t` on rendered configs. Test-only.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeCertificate, writeCertificateFiles } from "./certs.js";

const LUA_DIR = fileURLToPath(new URL("../agent/lua/", import.meta.url));

/** A temporary nginx prefix laid out like the agent's, with a generated default certificate. */
export class NginxPrefix {
  readonly dir = mkdtempSync(join(tmpdir(), "portico-core-"));
  constructor() {
    for (const d of ["conf", "tmp"]) mkdirSync(join(this.dir, d));
    symlinkSync(LUA_DIR, join(this.dir, "lua"));
    writeCertificateFiles(makeCertificate(["portico-default"], 2), join(this.dir, "conf"), "default");
  }
  static luaAvailable(): boolean {
    return existsSync(join(LUA_DIR, "portico.lua"));
  }
  /** Runs `nginx -t` with the state's files beside the config (files/<name>, as the agent lays
   * them out); returns undefined when the config is accepted, else nginx's message. */
  test(config: string, files: Record<string, string> = {}): string | undefined {
    const file = join(this.dir, "conf", "nginx.conf");
    writeFileSync(file, config);
    if (Object.keys(files).length) mkdirSync(join(this.dir, "conf", "files"), { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(this.dir, "conf", "files", name), content);
    // stdout to /dev/null: `access_log /dev/stdout` cannot open a socket (what "pipe" gives).
    const r = spawnSync("/usr/sbin/nginx", ["-t", "-q", "-e", "stderr", "-p", this.dir + "/", "-c", file], {
      encoding: "utf8",
      stdio: ["ignore", "ignore", "pipe"],
    });
    return r.status === 0 ? undefined : `${r.stderr}`.trim() || `exit ${r.status}`;
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
