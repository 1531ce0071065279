// The nginx prefix the agent manages:
//   <prefix>/conf/<sha256 of nginx.conf>/{nginx.conf,default.crt,default.key}  one dir per config
//   <prefix>/conf/current -> <sha>                                            swapped atomically
//   <prefix>/lua/*.lua  (copied from src/agent/lua)   <prefix>/logs  <prefix>/tmp  <prefix>/ssl
import { chmod, copyFile, mkdir, readdir, readlink, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { PemPair } from "./default-cert.js";

export const LUA_SOURCE_DIR = fileURLToPath(new URL("./lua/", import.meta.url));
const HASH_DIR = /^[0-9a-f]{64}$/;
const FILE_NAME = /^[a-z0-9][a-z0-9.-]{0,200}$/;

export class PrefixLayout {
  constructor(readonly prefix: string) {}

  get confRoot(): string {
    return join(this.prefix, "conf");
  }
  get currentLink(): string {
    return join(this.confRoot, "current");
  }
  /** The path nginx is started with (through the symlink, so a reload picks up the swapped dir). */
  get currentConf(): string {
    return join(this.currentLink, "nginx.conf");
  }
  get sslDir(): string {
    return join(this.prefix, "ssl");
  }
  get pidFile(): string {
    return join(this.prefix, "nginx.pid");
  }
  configDir(hash: string): string {
    return join(this.confRoot, hash);
  }

  /** Creates the directories and installs the Lua modules. Workers may run as an unprivileged
   * user (nginx's default when the master is root), so the tree they read is world-traversable. */
  async prepare(luaSource = LUA_SOURCE_DIR): Promise<void> {
    for (const d of [this.prefix, this.confRoot, join(this.prefix, "logs"), join(this.prefix, "tmp"), join(this.prefix, "lua")]) {
      await mkdir(d, { recursive: true });
      await chmod(d, 0o755);
    }
    for (const f of await readdir(luaSource)) {
      if (f.endsWith(".lua")) await copyFile(join(luaSource, f), join(this.prefix, "lua", f));
    }
  }

  /** Writes conf/<hash>/ with the config, the default certificate and the state's files
   * (files/<name>: htpasswd files, CA bundles); returns the nginx.conf path. */
  async writeConfig(hash: string, config: string, defaultCert: PemPair, files: Record<string, string> = {}): Promise<string> {
    if (!HASH_DIR.test(hash)) throw new Error(`config dir name must be a sha256 hex digest, got "${hash}"`);
    const dir = this.configDir(hash);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755);
    await writeFile(join(dir, "default.crt"), defaultCert.certificate);
    await writeFile(join(dir, "default.key"), defaultCert.key, { mode: 0o600 });
    if (Object.keys(files).length) {
      // nginx workers (unprivileged) read htpasswd files on every request.
      await mkdir(join(dir, "files"), { recursive: true });
      await chmod(join(dir, "files"), 0o755);
      for (const [name, content] of Object.entries(files)) {
        if (!FILE_NAME.test(name)) throw new Error(`state file name must match ${FILE_NAME}, got "${name}"`);
        await writeFile(join(dir, "files", name), content, { mode: 0o644 });
      }
    }
    const conf = join(dir, "nginx.conf");
    await writeFile(conf, config);
    return conf;
  }

  /** The hash conf/current points at, or undefined. */
  async current(): Promise<string | undefined> {
    try {
      const target = await readlink(this.currentLink);
      return HASH_DIR.test(target) ? target : undefined;
    } catch {
      return undefined;
    }
  }

  /** Points conf/current at conf/<hash> atomically (new symlink, then rename over the old one). */
  async swapCurrent(hash: string): Promise<void> {
    const tmp = join(this.confRoot, `.current-${process.pid}-${Date.now()}`);
    await symlink(hash, tmp);
    await rename(tmp, this.currentLink);
  }

  /** Removes old config dirs, keeping the `keep` most recent plus those named in `protect`. */
  async collectGarbage(keep: number, protect: string[]): Promise<string[]> {
    const entries = (await readdir(this.confRoot)).filter((n) => HASH_DIR.test(n));
    const withTime = await Promise.all(entries.map(async (n) => ({ n, t: (await stat(this.configDir(n))).mtimeMs })));
    withTime.sort((a, b) => b.t - a.t);
    const removed: string[] = [];
    for (const { n } of withTime.slice(keep)) {
      if (protect.includes(n)) continue;
      await rm(this.configDir(n), { recursive: true, force: true });
      removed.push(n);
    }
    return removed;
  }
}
