// The nginx prefix the agent manages:
//   <conf>/<sha256 of nginx.conf>/{nginx.conf,default.crt,default.key}  one dir per config
//   <conf>/current -> <sha>                                            swapped atomically
//   <prefix>/lua/*.lua  (copied from src/agent/lua)   <prefix>/ssl   <prefix>/tmp
// <conf> is <prefix>/conf unless given: in the pod it is a volume of its own that the nginx
// container mounts read-only, so nginx reads the configs and cannot write them. nginx writes only
// tmp/ (temp files and nginx.pid; its logs go to stdout and stderr). In the pod, tmp is a symlink
// to the nginx container's own bounded /tmp volume (`tempLink`), so the shared run volume holds
// what the agent writes (Lua modules, the default certificate) and the reload FIFO, nothing that
// traffic can grow.
// The agent runs `nginx -t` with a test prefix of its own (lua/, tmp/ that nginx cannot reach),
// so nothing nginx can write takes part in the agent's test.
import { chmod, copyFile, lstat, mkdir, readdir, readlink, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { PemPair } from "./default-cert.js";

export const LUA_SOURCE_DIR = fileURLToPath(new URL("./lua/", import.meta.url));
const HASH_DIR = /^[0-9a-f]{64}$/;
const FILE_NAME = /^[a-z0-9][a-z0-9.-]{0,200}$/;

/** chmod, except on a directory the agent does not own (a volume's root made by the kubelet). */
async function chmodOwn(path: string, mode: number): Promise<void> {
  try {
    await chmod(path, mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") throw e;
  }
}

export class PrefixLayout {
  readonly confRoot: string;
  constructor(
    readonly prefix: string,
    confRoot?: string,
    /** When set, <prefix>/tmp is a symlink to this directory (as the nginx process sees it). */
    readonly tempLink?: string,
  ) {
    this.confRoot = confRoot ?? join(prefix, "conf");
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
  /** Where nginx writes its pid (the rendered `pid tmp/nginx.pid`). */
  get pidFile(): string {
    return join(this.prefix, "tmp", "nginx.pid");
  }
  configDir(hash: string): string {
    return join(this.confRoot, hash);
  }

  /** Creates the directories and installs the Lua modules (also into `testPrefix`, when given).
   * Workers may run as an unprivileged user (nginx's default when the master is root), so the tree
   * they read is world-traversable; what nginx writes (tmp/: temp files, nginx.pid) is
   * group-writable; the rest is not. */
  async prepare(luaSource = LUA_SOURCE_DIR, testPrefix?: string): Promise<void> {
    for (const root of [this.prefix, ...(testPrefix ? [testPrefix] : [])]) {
      for (const [d, mode] of [
        [root, 0o755],
        [join(root, "lua"), 0o755],
      ] as const) {
        await mkdir(d, { recursive: true });
        await chmodOwn(d, mode);
      }
      if (root === this.prefix && this.tempLink) await this.linkTemp(this.tempLink);
      else {
        await mkdir(join(root, "tmp"), { recursive: true });
        await chmodOwn(join(root, "tmp"), 0o775);
      }
      for (const f of await readdir(luaSource)) {
        if (f.endsWith(".lua")) await copyFile(join(luaSource, f), join(root, "lua", f));
      }
    }
    await mkdir(this.confRoot, { recursive: true });
    await chmodOwn(this.confRoot, 0o755);
  }

  /** <prefix>/tmp -> target, replacing whatever is there (a directory an older layout made). */
  private async linkTemp(target: string): Promise<void> {
    const tmp = join(this.prefix, "tmp");
    const st = await lstat(tmp).catch(() => undefined);
    if (st?.isSymbolicLink() && (await readlink(tmp)) === target) return;
    if (st) await rm(tmp, { recursive: true, force: true });
    await symlink(target, tmp);
  }

  /** Writes conf/<hash>/ with the config, the default certificate and the state's files
   * (files/<name>: htpasswd files, CA bundles); returns the nginx.conf path. */
  async writeConfig(hash: string, config: string, defaultCert: PemPair, files: Record<string, string> = {}): Promise<string> {
    if (!HASH_DIR.test(hash)) throw new Error(`config dir name must be a sha256 hex digest, got "${hash}"`);
    const dir = this.configDir(hash);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755);
    // Readable by nginx (same group), writable by the agent only; the key not by others.
    const own: [string, string, number][] = [
      ["default.crt", defaultCert.certificate, 0o644],
      ["default.key", defaultCert.key, 0o640],
    ];
    for (const [name, text, mode] of own) {
      await writeFile(join(dir, name), text, { mode });
      await chmod(join(dir, name), mode);
    }
    if (Object.keys(files).length) {
      // nginx workers (unprivileged) read htpasswd files on every request; private keys (a
      // proxy-ssl-secret's tls.key) are for nginx's group only, like default.key.
      await mkdir(join(dir, "files"), { recursive: true });
      await chmod(join(dir, "files"), 0o755);
      for (const [name, content] of Object.entries(files)) {
        if (!FILE_NAME.test(name)) throw new Error(`state file name must match ${FILE_NAME}, got "${name}"`);
        const mode = name.endsWith(".key") ? 0o640 : 0o644;
        await writeFile(join(dir, "files", name), content, { mode });
        await chmod(join(dir, "files", name), mode);
      }
    }
    const conf = join(dir, "nginx.conf");
    await writeFile(conf, config, { mode: 0o644 });
    await chmod(conf, 0o644);
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
