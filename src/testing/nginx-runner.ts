// images/nginx/portico-nginx-run as a process in its own group, playing the pod's nginx container:
// it waits for conf/current/nginx.conf, runs Debian's nginx and reloads it on a line of the FIFO.
// Killing the group is what a container's end does (orphaned workers included).
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const NGINX_RUN_SCRIPT = fileURLToPath(new URL("../../images/nginx/portico-nginx-run", import.meta.url));

export class NginxRunner {
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(prefix: string, fifo: string) {
    this.child = spawn("sh", [NGINX_RUN_SCRIPT], {
      env: { ...process.env, PORTICO_PREFIX: prefix, PORTICO_RELOAD_FIFO: fifo },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const onData = (d: Buffer) => (this.output += d.toString());
    this.child.stdout!.on("data", onData);
    this.child.stderr!.on("data", onData);
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
  }
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  /** Everything left in the group (orphaned nginx workers): the container runtime kills it all. */
  killGroup(): void {
    try {
      process.kill(-this.child.pid!, "SIGKILL");
    } catch {
      // nothing left
    }
  }
  /** The container's end: SIGTERM (portico-nginx-run drains nginx), then whatever is left is
   * killed. Resolves with how the runner exited (undefined: it did not within graceMs). */
  async terminate(graceMs = 3000): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    if (this.alive) this.child.kill("SIGTERM");
    const exit = await Promise.race([this.exited, new Promise<undefined>((res) => setTimeout(() => res(undefined), graceMs))]);
    this.killGroup();
    return exit;
  }
}
