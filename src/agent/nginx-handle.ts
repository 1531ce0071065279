// What the Agent needs from nginx, whoever runs it: its own child (NginxProcess, spawn mode) or the
// nginx container of the pod (ExternalNginx, external mode).
import { spawn } from "node:child_process";
import { fstatSync } from "node:fs";

export type NginxMode = "spawn" | "external";
export const NGINX_MODES: readonly NginxMode[] = ["spawn", "external"];

export interface ConfigTestResult {
  ok: boolean;
  output: string;
}

/** How a handle tells the Agent that nginx went away or came back: restart supervision lives in the
 * handles (spawn: restart with backoff; external: notice the kubelet's restart), the Agent only
 * counts, reports and pushes again. */
export interface NginxLifecycle {
  /** nginx went away without being asked (counted as a restart); the message says why and what next. */
  lost(message: string): void;
  /** nginx has (or, started next, will have) empty shared memory: push endpoints and certificates
   * again, and start it if it is not running. `unseenRestart`: it restarted between two looks and
   * was never seen lost (counted as a restart too). */
  fresh(unseenRestart: boolean): void;
}

export interface NginxHandle {
  /** nginx is up (spawn: the child lives; external: the control server answered last time). */
  readonly running: boolean;
  /** A restart is scheduled (spawn mode, during the backoff); the Agent does not start nginx meanwhile. */
  readonly restartPending: boolean;
  /** Master pid when the agent can see it (spawn mode only). */
  readonly pid: number | undefined;
  /** The last lines nginx wrote, or the last reason it was unreachable. */
  readonly output: string;
  /** `nginx -t` on a config file, killed (and refused) after timeoutMs; never throws. */
  test(confPath: string, timeoutMs: number): Promise<ConfigTestResult>;
  /** Starts nginx (spawn) or waits until it answers (external). */
  start(): Promise<number | undefined>;
  /** Asks the master to load conf/current again; the caller waits for the new generation. */
  reload(): void | Promise<void>;
  /** Graceful stop (spawn); stops watching (external: the nginx container stops on its own). */
  stop(graceMs?: number): Promise<void>;
  /** Pids of the master's children; [] when they are in another PID namespace. */
  workerPids(): number[];
}

/** `nginx -t -q -p <prefix>/ -c <conf>` with the local binary (both modes: the agent's container
 * carries the same image, so the binary and modules are there). Its stdout is /dev/null: the
 * config's `access_log /dev/stdout` must open, and a socket (what Node gives a child for "pipe")
 * cannot be opened by path. */
export async function testNginxConfig(nginxBinary: string, prefix: string, confPath: string, timeoutMs: number): Promise<ConfigTestResult> {
  return await new Promise((resolve) => {
    const child = spawn(nginxBinary, ["-t", "-q", "-e", "stderr", "-p", `${prefix}/`, "-c", confPath], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => {
      if (stderr.length < 4 * 1024 * 1024) stderr += d.toString("utf8");
    });
    child.once("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, output: err.message });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut)
        return resolve({
          ok: false,
          output: `nginx -t did not finish within ${timeoutMs} ms (the limit grows with the config's size; see --config-test-timeout)`,
        });
      const output = stderr.trim();
      resolve({ ok: code === 0, output: output || (code === 0 ? "" : `nginx -t exited with ${code ?? signal}`) });
    });
  });
}

/** Whether this process's stdout can be handed to nginx for `access_log /dev/stdout`: nginx opens
 * the path, which works for a file, a FIFO (a container's stdout) or a terminal, not a socket. */
export function stdoutOpenableByPath(): boolean {
  try {
    return !fstatSync(1).isSocket();
  } catch {
    return false;
  }
}
