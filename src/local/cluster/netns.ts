// The pod network: one network namespace per cluster with a veth pair to the host, so fake pods get
// real, non-loopback addresses (the API server refuses loopback ones in EndpointSlices).
// Slot s (0..253) gives namespace `portico-s`, host interface `ptc<s>h` = 198.18.s.1/24, and pods
// 198.18.s.2-254 (/32 each on `ptc<s>p` inside). Claiming a slot is `ip netns add`, which is atomic.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { ClusterError } from "./errors.js";
import { hasCommand, run, runOk, type RunResult } from "./exec.js";
import { echoServerScript } from "./paths.js";
import { isAlive, isOurProcess, readState, type NetworkRecord } from "./state.js";

export const OWNER_DIR = "/run/portico";
const MAX_SLOT = 253;

export function networkForSlot(slot: number): NetworkRecord {
  return {
    netns: `portico-${slot}`,
    hostInterface: `ptc${slot}h`,
    podInterface: `ptc${slot}p`,
    cidr: `198.18.${slot}.0/24`,
    hostIp: `198.18.${slot}.1`,
    slot,
  };
}

interface SlotOwner {
  pid: number;
  dir: string;
}

function ownerFile(slot: number): string {
  return join(OWNER_DIR, `netns-${slot}.json`);
}

/** A slot left behind by a cluster whose launcher and processes are all gone (e.g. machine-wide kill). */
function isStale(slot: number): boolean {
  let owner: SlotOwner;
  try {
    owner = JSON.parse(readFileSync(ownerFile(slot), "utf8")) as SlotOwner;
  } catch {
    return false; // being set up right now by someone else, or not ours: leave it alone
  }
  if (isAlive(owner.pid)) return false;
  const state = readState(owner.dir);
  if (!state || state.network?.slot !== slot) return true;
  return !state.components.some((c) => isOurProcess(c.pid, c.marker)) && !(state.reaperPid && isAlive(state.reaperPid));
}

export function checkNetworkTools(): void {
  if (!hasCommand("ip")) throw new ClusterError("the `ip` command (iproute2) is missing: install it (apt-get install iproute2) and retry");
  if (process.getuid && process.getuid() !== 0) throw new ClusterError("the pod network needs root (ip netns, veth): run as root, e.g. with sudo");
}

/** Claims a free slot and creates its namespace and veth pair. `dir` is the cluster dir (for ownership). */
export async function createNetwork(dir: string): Promise<NetworkRecord> {
  checkNetworkTools();
  mkdirSync(OWNER_DIR, { recursive: true });
  for (let slot = 0; slot <= MAX_SLOT; slot++) {
    const net = networkForSlot(slot);
    let r = await run("ip", ["netns", "add", net.netns]);
    if (r.code !== 0 && isStale(slot)) {
      await removeNetwork(net);
      r = await run("ip", ["netns", "add", net.netns]);
    }
    if (r.code !== 0) {
      if (/exists/i.test(r.stderr)) continue;
      throw new ClusterError(`creating network namespace ${net.netns} failed: ${r.stderr.trim()}`);
    }
    writeFileSync(ownerFile(slot), JSON.stringify({ pid: process.pid, dir } satisfies SlotOwner));
    try {
      await run("ip", ["link", "del", net.hostInterface]); // a leftover of an old run, if any
      await runOk("creating the pod network veth pair", "ip", ["-batch", "-"], {
        input: [
          `link add ${net.hostInterface} type veth peer name ${net.podInterface} netns ${net.netns}`,
          `addr add ${net.hostIp}/24 dev ${net.hostInterface}`,
          `link set ${net.hostInterface} up`,
          "",
        ].join("\n"),
      });
      await runOk("configuring the pod network namespace", "ip", ["-n", net.netns, "-batch", "-"], {
        input: [`link set lo up`, `link set ${net.podInterface} up`, `route add ${net.cidr} dev ${net.podInterface}`, ""].join("\n"),
      });
    } catch (e) {
      await removeNetwork(net);
      throw e;
    }
    return net;
  }
  throw new ClusterError(`no free pod network slot (portico-0..${MAX_SLOT} all exist): stop other clusters or delete stale ones with \`ip netns del\``);
}

/** Kills every process inside the namespace, then deletes the veth pair, the namespace and its owner file. */
export async function removeNetwork(net: NetworkRecord): Promise<void> {
  const pids = await run("ip", ["netns", "pids", net.netns]);
  for (const pid of pids.stdout.split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  await run("ip", ["link", "del", net.hostInterface]);
  await run("ip", ["netns", "del", net.netns]);
  rmSync(ownerFile(net.slot), { force: true });
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** A process running inside the pod network namespace. Output goes to its log file and is kept in memory. */
export class PodProcess {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  private out = "";
  private waiters: (() => void)[] = [];
  private exitCode: number | null | undefined;

  constructor(
    readonly child: ChildProcess,
    readonly log: string,
    logStream: WriteStream,
  ) {
    if (child.pid === undefined) throw new ClusterError(`could not start a process in the pod network (see ${log})`);
    this.pid = child.pid;
    const onData = (d: Buffer) => {
      logStream.write(d);
      this.out += d.toString("utf8");
      for (const w of this.waiters) w();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    this.exited = new Promise((resolve) =>
      child.on("exit", (code) => {
        this.exitCode = code;
        logStream.end();
        for (const w of this.waiters) w();
        resolve(code);
      }),
    );
  }

  /** Everything the process printed so far (stdout and stderr interleaved). */
  output(): string {
    return this.out;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Resolves with the matching output once `pattern` appears; rejects if the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new ClusterError(`timed out after ${timeoutMs} ms waiting for ${pattern} from pod process ${this.pid} (log: ${this.log})`));
      }, timeoutMs);
      const check = () => {
        const m = this.out.match(pattern);
        if (m) {
          done();
          resolve(m);
        } else if (!this.running) {
          done();
          const last = this.out.trim().split("\n").pop() ?? "";
          reject(new ClusterError(`pod process exited with code ${this.exitCode} before printing ${pattern}: ${last} (log: ${this.log})`));
        }
      };
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
      check();
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 1000): Promise<void> {
    if (!this.running) return;
    try {
      process.kill(-this.pid, "SIGTERM");
    } catch {}
    const timer = setTimeout(() => {
      try {
        process.kill(-this.pid, "SIGKILL");
      } catch {}
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export class Pod {
  readonly processes: PodProcess[] = [];
  constructor(
    readonly network: PodNetwork,
    readonly name: string,
    readonly ip: string,
  ) {}

  /** Runs `command args` inside the namespace (`ip netns exec`); killed on cluster stop. */
  spawn(command: string, args: string[] = [], opts: SpawnOptions = {}): PodProcess {
    const log = join(this.network.logDir, `${this.name}.${this.processes.length}.log`);
    const child = spawn("ip", ["netns", "exec", this.network.netns, command, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true, // its own process group: stop() kills it and anything it started
      stdio: ["ignore", "pipe", "pipe"],
    });
    const p = new PodProcess(child, log, createWriteStream(log));
    this.processes.push(p);
    return p;
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
  }
}

export interface EchoPodOptions {
  /** Reported in the JSON answer as `service` (e.g. "default/web"). */
  service: string;
  /** Pod name; a new address is allocated unless a pod of that name exists. */
  pod: string;
  port: number;
  tcp?: boolean;
  /** PEM file paths for an HTTPS echo server. */
  tls?: { cert: string; key: string };
}

export interface EchoPod {
  pod: Pod;
  ip: string;
  port: number;
  process: PodProcess;
  /** "http://ip:port" (or https) for HTTP echo pods. */
  url: string;
  stop(): Promise<void>;
}

export class PodNetwork {
  readonly netns: string;
  readonly hostIp: string;
  readonly cidr: string;
  private readonly pods = new Map<string, Pod>();
  private next = 2;

  constructor(
    readonly record: NetworkRecord,
    readonly logDir: string,
  ) {
    this.netns = record.netns;
    this.hostIp = record.hostIp;
    this.cidr = record.cidr;
    mkdirSync(logDir, { recursive: true });
  }

  /** Adds an address for a new pod inside the namespace (next free 198.18.s.x unless `ip` is given). */
  async addPod(opts: { name: string; ip?: string }): Promise<Pod> {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(opts.name)) throw new ClusterError(`pod name "${opts.name}" is not a DNS-1123 name`);
    if (this.pods.has(opts.name)) throw new ClusterError(`pod "${opts.name}" already exists in ${this.netns}`);
    const used = new Set([...this.pods.values()].map((p) => p.ip));
    const base = this.hostIp.split(".").slice(0, 3).join(".");
    let ip = opts.ip;
    if (ip) {
      const n = ipToInt(ip) - ipToInt(`${base}.0`);
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || n < 2 || n > 254) throw new ClusterError(`pod ip "${ip}" is not within ${base}.2-254`);
      if (used.has(ip)) throw new ClusterError(`pod ip ${ip} is already used in ${this.netns}`);
    } else {
      while (used.has(`${base}.${this.next}`) && this.next <= 254) this.next++;
      if (this.next > 254) throw new ClusterError(`the pod network ${this.cidr} is full (252 pods)`);
      ip = `${base}.${this.next++}`;
    }
    await runOk(`adding pod address ${ip}`, "ip", ["-n", this.netns, "addr", "add", `${ip}/32`, "dev", this.record.podInterface]);
    const pod = new Pod(this, opts.name, ip);
    this.pods.set(opts.name, pod);
    return pod;
  }

  pod(name: string): Pod | undefined {
    return this.pods.get(name);
  }

  list(): Pod[] {
    return [...this.pods.values()];
  }

  /** Runs a short command inside the namespace and returns its result. */
  exec(command: string, args: string[] = [], input?: string): Promise<RunResult> {
    return run("ip", ["netns", "exec", this.netns, command, ...args], { input });
  }

  /** Starts src/local/cluster/echo-server.mjs on a pod's address and resolves once it listens. */
  async startEchoPod(opts: EchoPodOptions): Promise<EchoPod> {
    const pod = this.pods.get(opts.pod) ?? (await this.addPod({ name: opts.pod }));
    const args = [echoServerScript, "--host", pod.ip, "--port", String(opts.port), "--service", opts.service, "--pod", opts.pod];
    if (opts.tcp) args.push("--tcp");
    if (opts.tls) args.push("--tls", `${opts.tls.cert},${opts.tls.key}`);
    const proc = pod.spawn(process.execPath, args);
    try {
      await proc.waitForOutput(/^listening /m);
    } catch (e) {
      await proc.stop();
      throw e;
    }
    return {
      pod,
      ip: pod.ip,
      port: opts.port,
      process: proc,
      url: `${opts.tls ? "https" : "http"}://${pod.ip}:${opts.port}`,
      stop: () => proc.stop(),
    };
  }

  /** Stops every process started through this object. The namespace itself goes with the cluster. */
  async stopAll(): Promise<void> {
    await Promise.all(this.list().map((p) => p.stop()));
  }
}
