// Restarting one control-plane process of a running cluster (tests of watch gaps: an API server
// restart, an etcd restart). The process is stopped (SIGTERM to its process group, SIGKILL after a
// grace period) and started again with the command line recorded in state.json, so ports, flags and
// etcd's data directory are the same. The new pid is recorded before anything is awaited, so the
// reaper and teardown always know every process.
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, closeSync, openSync, readFileSync, statSync } from "node:fs";
import { ClusterError } from "./errors.js";
import { probe, type TlsClient } from "./http.js";
import { bin } from "./paths.js";
import { probePort } from "./ports.js";
import { isOurProcess, writeState, type ClusterState, type ComponentName, type ProcessRecord } from "./state.js";

export interface RestartOptions {
  /** Stay down this long before starting again (default 0). */
  downMs?: number;
  /** SIGTERM grace before SIGKILL (default 5 s). kube-apiserver 1.37 stops listening at once on SIGTERM
   * but its process lingers for more than 30 s, so it is always SIGKILLed after this grace; etcd exits
   * by itself in about 7 s (after it has closed its listeners), so it too is usually SIGKILLed late in
   * its shutdown, which loses nothing (bbolt is crash-safe; only a machine crash could lose unsynced writes). */
  graceMs?: number;
  /** Give up waiting for readiness after this long (default 60 s). */
  timeoutMs?: number;
}

export interface RestartResult {
  oldPid: number;
  pid: number;
  /** When SIGTERM was sent, when the old process was gone, when the new one was ready (Date.now() values). */
  signalledAt: number;
  stoppedAt: number;
  readyAt: number;
}

export const RESTARTABLE: readonly ComponentName[] = ["etcd", "kube-apiserver", "kube-controller-manager"];

/** Starts a component detached in its own process group, its output going to `log`. */
export function spawnComponent(name: ComponentName, args: string[], log: string, append = false, env?: NodeJS.ProcessEnv): ChildProcess {
  const fd = openSync(log, append ? "a" : "w");
  try {
    const child = spawn(bin(name), args, { detached: true, stdio: ["ignore", fd, fd], env: env ?? process.env });
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

/** The readiness check of each component, as `cluster:status` reports it. */
export function componentHealth(state: ClusterState, tls: TlsClient): Partial<Record<ComponentName, () => Promise<{ status: number; body: string }>>> {
  const health: Partial<Record<ComponentName, () => Promise<{ status: number; body: string }>>> = {
    etcd: () => probe(`http://127.0.0.1:${state.ports.etcdClient}/health`),
    "kube-apiserver": () => probe(`${state.server}/readyz`, tls),
    "kube-controller-manager": () => probe(`https://127.0.0.1:${state.ports.controllerManager}/healthz`, { insecure: true }),
  };
  if (state.node) {
    const ip = state.node.ip;
    health["kube-scheduler"] = () => probe(`https://127.0.0.1:${state.ports.scheduler}/healthz`, { insecure: true });
    health.kubelet = () => probe(`http://${ip}:10248/healthz`);
    health["kube-proxy"] = () => probe(`http://${ip}:10256/healthz`);
  }
  return health;
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {}
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gone(rec: ProcessRecord, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (isOurProcess(rec.pid, rec.marker)) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

/** The most telling line of what a restarted component logged: the last error-looking one, else the last. */
function lastLogLine(log: string, text: string): string {
  const lines = text
    .trim()
    .split("\n")
    .filter((l) => l.trim());
  const line = [...lines].reverse().find((l) => /^(E|F)\d{4}|error|fatal|panic|failed/i.test(l)) ?? lines.at(-1) ?? `(nothing in ${log})`;
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

/** `stillWanted` is checked right before the new process is spawned: a cluster stopped meanwhile gets none. */
export async function restartComponent(
  state: ClusterState,
  tls: TlsClient,
  name: ComponentName,
  opts: RestartOptions = {},
  stillWanted: () => boolean = () => true,
): Promise<RestartResult> {
  if (!RESTARTABLE.includes(name)) throw new ClusterError(`cannot restart "${name}": choose one of ${RESTARTABLE.join(", ")}`);
  const index = state.components.findIndex((c) => c.name === name);
  const rec = state.components[index];
  if (!rec) throw new ClusterError(`cluster "${state.name}" has no ${name} process recorded in ${state.dir}/state.json`);
  if (!rec.args) throw new ClusterError(`cluster "${state.name}" was started without recorded command lines: stop it and start it again to restart ${name}`);
  if (!isOurProcess(rec.pid, rec.marker)) throw new ClusterError(`${name} of cluster "${state.name}" is not running (pid ${rec.pid}; log: ${rec.log})`);
  const graceMs = opts.graceMs ?? 5000;
  const timeoutMs = opts.timeoutMs ?? 60_000;

  const signalledAt = Date.now();
  signalGroup(rec.pid, "SIGTERM");
  if (!(await gone(rec, graceMs))) {
    signalGroup(rec.pid, "SIGKILL");
    if (!(await gone(rec, 5000))) throw new ClusterError(`${name} (pid ${rec.pid}) survived SIGKILL for 5 s; it cannot be restarted`);
  }
  // An exiting process drops its memory (and its /proc cmdline, which `gone` reads) before it
  // closes its files: wait until its ports are free too, or the new one fails to bind them.
  const ports =
    (<Partial<Record<ComponentName, number[]>>>{
      etcd: [state.ports.etcdClient, state.ports.etcdPeer],
      "kube-apiserver": [state.ports.apiserver],
      "kube-controller-manager": [state.ports.controllerManager],
    })[name] ?? [];
  const portsDeadline = Date.now() + 10_000;
  for (const port of ports) {
    while ((await probePort(port)) === null) {
      if (Date.now() > portsDeadline) throw new ClusterError(`${name} exited but port ${port} is still in use after 10 s; cannot restart it`);
      await sleep(25);
    }
  }
  const stoppedAt = Date.now();
  if (opts.downMs) await sleep(opts.downMs);

  if (!stillWanted()) throw new ClusterError(`cluster "${state.name}" was stopped while ${name} was down: not starting it again`);
  const logStart = statSync(rec.log, { throwIfNoEntry: false })?.size ?? 0;
  appendFileSync(rec.log, `\n--- portico: restarting ${name} (was pid ${rec.pid}) at ${new Date().toISOString()} ---\n`);
  const child = spawnComponent(name, rec.args, rec.log, true);
  let exit: string | undefined;
  child.on("exit", (code, signal) => (exit = code !== null ? `code ${code}` : `signal ${signal}`));
  child.on("error", (e) => (exit = e.message));
  if (!child.pid) throw new ClusterError(`${name} could not be started again (${bin(name)}): ${exit ?? "no pid"}`);
  state.components[index] = { ...rec, pid: child.pid };
  writeState(state); // from here teardown and the reaper stop the new process

  const health = componentHealth(state, tls);
  // After etcd, the API server must reconnect too before the cluster is usable again.
  const checks: ComponentName[] = name === "etcd" ? ["etcd", "kube-apiserver"] : [name];
  const deadline = Date.now() + timeoutMs;
  for (const check of checks) {
    for (;;) {
      if (!stillWanted()) throw new ClusterError(`cluster "${state.name}" was stopped while ${name} was restarting`);
      if (exit !== undefined) {
        const text = readFileSync(rec.log).subarray(logStart).toString("utf8");
        throw new ClusterError(`${name} exited with ${exit} while restarting: ${lastLogLine(rec.log, text)} (log: ${rec.log})`);
      }
      if ((await health[check]!()).status === 200) break;
      if (Date.now() > deadline)
        throw new ClusterError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${check} to be ready after restarting ${name} (log: ${rec.log})`);
      await sleep(100);
    }
  }
  return { oldPid: rec.pid, pid: child.pid, signalledAt, stoppedAt, readyAt: Date.now() };
}
