// The nginx master as a child of the agent, in the foreground (`-g "daemon off;"`): the agent sees
// its exit at once and restarts it, and it never outlives a stopped agent. Reload = SIGHUP,
// graceful stop = SIGQUIT (nginx's own signals, sent to the pid we spawned).
// Restart supervision: an unexpected exit schedules a restart after a backoff that doubles from
// min to max (reset once a master ran 30 s); when it is due, lifecycle.fresh() asks the Agent to
// start nginx again (inside its apply loop, so a start never races an apply).
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { backoffDelay } from "../core/backoff.js";
import type { Logger } from "../log.js";
import { testNginxConfig, type ConfigTestResult, type NginxHandle, type NginxLifecycle } from "./nginx-handle.js";

export type { ConfigTestResult };

export interface NginxProcessOptions {
  nginxBinary: string;
  prefix: string;
  /** Prefix of `nginx -t` (the agent's own; default prefix). */
  testPrefix?: string;
  /** Config path nginx is started with (the conf/current symlink). */
  confPath: string;
  logger: Logger;
  /** Backoff of restarts after nginx dies: doubles from min to max. */
  restartBackoffMs: { min: number; max: number };
  lifecycle?: NginxLifecycle;
  /** nginx's stdout, where the access log goes: the agent's own stdout (the agent process), or
   * nowhere (agents embedded in tests). Its stderr (the error log) is always read and logged. */
  stdout?: "inherit" | "ignore";
}

const TAIL_LINES = 30;
/** A master that ran this long before it died resets the restart backoff. */
const STABLE_RUN_MS = 30_000;

export class NginxProcess implements NginxHandle {
  private child: ChildProcess | null = null;
  private stopping = false;
  private tail: string[] = [];
  private restartTimer: NodeJS.Timeout | null = null;
  /** Restarts since the last master that ran STABLE_RUN_MS. */
  private quickRestarts = 0;
  private startedAt = 0;

  constructor(private readonly opts: NginxProcessOptions) {}

  get restartPending(): boolean {
    return this.restartTimer !== null;
  }

  get running(): boolean {
    return this.child !== null;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  /** The last lines nginx wrote on stdout/stderr (its startup errors land here). */
  get output(): string {
    return this.tail.join("\n");
  }

  /** `nginx -t` on a config file; never throws. */
  async test(confPath: string, timeoutMs: number): Promise<ConfigTestResult> {
    return await testNginxConfig(this.opts.nginxBinary, this.opts.testPrefix ?? this.opts.prefix, confPath, timeoutMs);
  }

  /** Spawns the master. Resolves once spawned; readiness is checked by the caller (control server). */
  async start(): Promise<number> {
    if (this.child) throw new Error("nginx already running");
    this.cancelRestart();
    this.stopping = false;
    this.tail = [];
    // -e stderr: also the messages written before the config is read (no log file anywhere).
    const child = spawn(this.opts.nginxBinary, ["-e", "stderr", "-p", `${this.opts.prefix}/`, "-c", this.opts.confPath, "-g", "daemon off;"], {
      stdio: ["ignore", this.opts.stdout ?? "ignore", "pipe"],
      // Own process group (pgid = master pid): if the master dies, its orphaned workers can be
      // killed with it, so they do not keep the listening sockets from a restarted master.
      detached: true,
    });
    const onData = (d: Buffer) => {
      for (const line of d.toString("utf8").split("\n")) {
        if (!line.trim()) continue;
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        // nginx's error log (stderr, from notice up): relayed as the agent's own lines.
        this.opts.logger.info("nginx", { output: line });
      }
    };
    child.stderr!.on("data", onData);
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", reject);
    });
    this.child = child;
    this.startedAt = Date.now();
    child.once("exit", (code, signal) => {
      if (this.child === child) this.child = null;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // no process left in the group
      }
      if (!this.stopping) this.scheduleRestart(code, signal);
    });
    return child.pid!;
  }

  private scheduleRestart(code: number | null, signal: NodeJS.Signals | null): void {
    const { min, max } = this.opts.restartBackoffMs;
    // A master that ran a while resets the backoff; one that dies at once backs off further.
    if (Date.now() - this.startedAt > STABLE_RUN_MS) this.quickRestarts = 0;
    const delay = backoffDelay(++this.quickRestarts, { initialMs: min, maxMs: max });
    this.cancelRestart();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.opts.lifecycle?.fresh(false);
    }, delay);
    this.opts.lifecycle?.lost(`nginx exited (code ${code}, signal ${signal}); restarting in ${delay} ms. ${this.output.slice(-500)}`);
  }

  private cancelRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  /** Asks the master to reload its configuration (SIGHUP). */
  reload(): void {
    if (!this.child?.pid) throw new Error("nginx is not running");
    process.kill(this.child.pid, "SIGHUP");
  }

  /** Graceful stop: SIGQUIT, then SIGTERM after `graceMs`, SIGKILL after twice that. */
  async stop(graceMs = 10_000): Promise<void> {
    this.cancelRestart();
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGQUIT");
      const t1 = setTimeout(() => child.kill("SIGTERM"), graceMs);
      const t2 = setTimeout(() => child.kill("SIGKILL"), graceMs * 2);
      child.once("exit", () => {
        clearTimeout(t1);
        clearTimeout(t2);
      });
    });
    this.child = null;
  }

  /** Pids of the master's current children (workers, and old workers still draining). */
  workerPids(): number[] {
    const master = this.child?.pid;
    return master ? childPids(master) : [];
  }
}

/** Children of a pid, read from /proc (Linux). */
export function childPids(parent: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // Field 4 (ppid) follows the parenthesised command, which may contain spaces.
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(rest[1]) === parent) out.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return out.sort((a, b) => a - b);
}

/** If <prefix>/nginx.pid names a live nginx (left by an earlier agent), stop it so we own the ports. */
export async function stopStrayNginx(pidFile: string, logger: Logger, graceMs = 10_000): Promise<boolean> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 1) return false;
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (!cmd.includes("nginx")) return false;
  } catch {
    return false;
  }
  logger.warn("stopping an nginx left running by an earlier agent", { pid });
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  process.kill(pid, "SIGQUIT");
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive()) process.kill(pid, "SIGKILL");
  return true;
}
