// The agent: applies DesiredStates to a local nginx.
//   config change       -> conf/<sha>/ written, `nginx -t`, conf/current swapped, SIGHUP, wait for
//                          the new generation of workers; a refused config keeps the old one serving
//   endpoints/certs     -> POST to the Lua control server (shared memory), never a reload
//   nginx died          -> restarted with backoff, endpoints and certificates pushed again
// External mode (the pod: nginx runs in its own container, started by portico-nginx-run): reload is
// a line on a FIFO, and a restarted nginx (empty shared dicts) is noticed by polling the control
// server, then endpoints and certificates are pushed again.
// Applies run one at a time; states arriving meanwhile collapse into the latest.
import { join } from "node:path";
import type { DesiredState } from "../core/contract.js";
import { ControlClient, type ControlState } from "./control-client.js";
import { ensureDefaultCertificate, type PemPair } from "./default-cert.js";
import { silentLogger, type Logger } from "./logger.js";
import { createAgentMetrics, type AgentMetrics } from "./metrics.js";
import { EXTERNAL_POLL_MS, ExternalNginx, NginxUnavailableError } from "./external-nginx.js";
import type { NginxHandle, NginxMode } from "./nginx-handle.js";
import { NginxProcess, stopStrayNginx } from "./nginx-process.js";
import { PrefixLayout } from "./prefix.js";
import { sha256 } from "./state-hash.js";

export interface AgentOptions {
  /** nginx prefix the agent owns (created if missing). */
  prefix: string;
  nginxBinary?: string; // default /usr/sbin/nginx
  /** Port of nginx's control server; must match the rendered config (RenderOptions.controlPort). */
  controlPort?: number; // default 10246
  /** How long a reload (or a start) may take before it counts as failed. */
  reloadTimeoutMs?: number; // default 15000
  /** Config dirs kept besides the current one. */
  keepConfigs?: number; // default 5
  /** Backoff of restarts after nginx dies: doubles from min to max. */
  restartBackoffMs?: { min: number; max: number }; // default 200 .. 10000
  /** spawn: nginx is the agent's child. external: another process (the pod's nginx container) runs
   * it from conf/current/nginx.conf and reloads when a line arrives on `reloadFifo`. */
  nginxMode?: NginxMode; // default spawn
  /** External mode: the FIFO portico-nginx-run reads reload requests from (required there). */
  reloadFifo?: string;
  /** External mode: how often the control server is polled to notice a restarted nginx. */
  externalPollMs?: number; // default 2000
  logger?: Logger;
  metrics?: AgentMetrics;
  onStatus?: (status: AgentStatus) => void;
}

export type AgentErrorPart = "config" | "endpoints" | "certificates" | "nginx";

export interface AgentError {
  part: AgentErrorPart;
  message: string;
  /** Hash of the part that failed, when there is one. */
  hash?: string;
  at: string; // ISO time
}

export interface AgentStatus {
  /** Hashes of what nginx serves now ("" before the first apply). */
  appliedHashes: { config: string; endpoints: string; certificates: string };
  /** Hashes of the latest desired state received. */
  desiredHashes: { config: string; endpoints: string; certificates: string };
  reloads: number;
  restarts: number;
  /** The latest unresolved problem; null once everything desired is applied. */
  lastError: AgentError | null;
  lastAppliedAt: string | null;
  nginxRunning: boolean;
  nginxPid: number | null;
}

export const AGENT_DEFAULTS = {
  nginxBinary: "/usr/sbin/nginx",
  controlPort: 10246,
  reloadTimeoutMs: 15_000,
  keepConfigs: 5,
  restartBackoffMs: { min: 200, max: 10_000 },
  nginxMode: "spawn" as NginxMode,
  externalPollMs: EXTERNAL_POLL_MS,
};

const emptyHashes = () => ({ config: "", endpoints: "", certificates: "" });

export class Agent {
  readonly layout: PrefixLayout;
  readonly control: ControlClient;
  readonly metrics: AgentMetrics;
  private readonly opts: Required<Omit<AgentOptions, "logger" | "metrics" | "onStatus" | "reloadFifo">> & { reloadFifo?: string };
  private readonly log: Logger;
  private readonly nginx: NginxHandle;
  private defaultCert: PemPair | null = null;

  private desired: DesiredState | null = null;
  private applied = emptyHashes();
  /** What nginx's shared memory holds now (to push the union before a config switch). */
  private pushed: {
    endpoints: DesiredState["endpoints"];
    balancing: NonNullable<DesiredState["balancing"]>;
    sni: DesiredState["sniCertificates"];
    certificates: DesiredState["certificates"];
  } = {
    endpoints: {},
    balancing: {},
    sni: {},
    certificates: {},
  };
  /** Config hash refused by `nginx -t` (or whose reload failed): not retried until it changes. */
  private failedConfigHash = "";
  private forceRepush = false;
  private reloads = 0;
  private restarts = 0;
  private lastError: AgentError | null = null;
  /** Certificates nginx refused in the last push (the rest applied): stays reported until fixed. */
  private certificateProblem: AgentError | null = null;
  private lastAppliedAt: string | null = null;

  private dirty = false;
  private loop: Promise<AgentStatus> | null = null;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private backoffMs: number;
  private startedAt = 0;
  /** External mode: nginx stopped answering; the next answer means a fresh nginx. */
  private externalLost = false;
  private lastGeneration = 0;

  constructor(options: AgentOptions) {
    this.opts = {
      prefix: options.prefix,
      nginxBinary: options.nginxBinary ?? AGENT_DEFAULTS.nginxBinary,
      controlPort: options.controlPort ?? AGENT_DEFAULTS.controlPort,
      reloadTimeoutMs: options.reloadTimeoutMs ?? AGENT_DEFAULTS.reloadTimeoutMs,
      keepConfigs: options.keepConfigs ?? AGENT_DEFAULTS.keepConfigs,
      restartBackoffMs: options.restartBackoffMs ?? AGENT_DEFAULTS.restartBackoffMs,
      nginxMode: options.nginxMode ?? AGENT_DEFAULTS.nginxMode,
      reloadFifo: options.reloadFifo,
      externalPollMs: options.externalPollMs ?? AGENT_DEFAULTS.externalPollMs,
    };
    this.log = options.logger ?? silentLogger();
    this.metrics = options.metrics ?? createAgentMetrics();
    this.onStatus = options.onStatus;
    this.backoffMs = this.opts.restartBackoffMs.min;
    this.layout = new PrefixLayout(this.opts.prefix);
    this.control = new ControlClient(this.opts.controlPort);
    this.nginx =
      this.opts.nginxMode === "external"
        ? this.externalNginx()
        : new NginxProcess({
            nginxBinary: this.opts.nginxBinary,
            prefix: this.opts.prefix,
            confPath: this.layout.currentConf,
            logger: this.log,
            onUnexpectedExit: (code, signal, output) => this.onNginxDied(code, signal, output),
          });
  }

  private externalNginx(): ExternalNginx {
    if (!this.opts.reloadFifo) throw new Error("reloadFifo: required when nginxMode is external (the FIFO portico-nginx-run reads)");
    return new ExternalNginx({
      nginxBinary: this.opts.nginxBinary,
      prefix: this.opts.prefix,
      reloadFifo: this.opts.reloadFifo,
      control: this.control,
      logger: this.log,
      timeoutMs: this.opts.reloadTimeoutMs,
      pollMs: this.opts.externalPollMs,
      onState: (st, wasRunning) => this.onExternalState(st, wasRunning),
      onUnexpectedExit: (message) => this.onExternalLost(message),
    });
  }

  private readonly onStatus?: (status: AgentStatus) => void;

  /** Prepares the prefix (dirs, Lua, default certificate) and stops an nginx an earlier agent left. */
  async start(): Promise<void> {
    await this.layout.prepare();
    this.defaultCert = await ensureDefaultCertificate(this.layout.sslDir);
    // In external mode the nginx named by nginx.pid is the nginx container's: not ours to stop.
    if (this.opts.nginxMode === "spawn") await stopStrayNginx(this.layout.pidFile, this.log);
    this.log.info("agent started", { prefix: this.opts.prefix, controlPort: this.opts.controlPort, nginxMode: this.opts.nginxMode });
  }

  /** Applies a desired state (or a later one, if more arrive meanwhile); resolves with the status after. */
  apply(state: DesiredState): Promise<AgentStatus> {
    this.desired = state;
    return this.kick();
  }

  status(): AgentStatus {
    const d = this.desired?.hashes;
    return {
      appliedHashes: { ...this.applied },
      desiredHashes: d ? { config: d.config, endpoints: d.endpoints, certificates: d.certificates } : emptyHashes(),
      reloads: this.reloads,
      restarts: this.restarts,
      lastError: this.lastError,
      lastAppliedAt: this.lastAppliedAt,
      nginxRunning: this.nginx.running,
      nginxPid: this.nginx.pid ?? null,
    };
  }

  /** Master and worker pids (tests use them to prove no reload happened). */
  processIds(): { master: number | null; workers: number[] } {
    return { master: this.nginx.pid ?? null, workers: this.nginx.workerPids() };
  }

  /** Graceful stop: no more applies, nginx quits after finishing in-flight requests. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.loop?.catch(() => undefined);
    await this.nginx.stop(graceMs);
    this.metrics.nginxUp.set(0);
    this.log.info("agent stopped");
  }

  private kick(): Promise<AgentStatus> {
    this.dirty = true;
    if (!this.loop) {
      this.loop = (async () => {
        try {
          while (this.dirty && !this.stopped) {
            this.dirty = false;
            await this.step();
          }
        } finally {
          this.loop = null;
        }
        return this.status();
      })();
    }
    return this.loop;
  }

  private setError(part: AgentErrorPart, message: string, hash?: string): void {
    this.lastError = { part, message, hash, at: new Date().toISOString() };
    this.log.error("apply failed", { part, hash, error: message });
  }

  private async step(): Promise<void> {
    const s = this.desired;
    if (!s) return;
    const t0 = performance.now();
    try {
      if (s.hashes.config !== this.applied.config && s.hashes.config !== this.failedConfigHash) {
        if (this.nginx.running) await this.prePush(s);
        await this.applyConfig(s);
      } else if (!this.nginx.running && this.applied.config && !this.restartTimer) {
        await this.startNginx();
      }
      if (!this.nginx.running) return; // the restart path pushes everything once nginx is back
      const force = this.forceRepush;
      this.forceRepush = false;
      await this.applyEndpoints(s, force);
      await this.applyCertificates(s, force);
      await this.collectGarbage();
    } catch (e) {
      this.setError("nginx", (e as Error).message);
    } finally {
      const secs = (performance.now() - t0) / 1000;
      this.metrics.lastApplySeconds.set(secs);
      this.metrics.lastApplyTimestamp.set(Date.now() / 1000);
      this.metrics.nginxUp.set(this.nginx.running ? 1 : 0);
      const d = s.hashes;
      const complete = this.applied.config === d.config && this.applied.endpoints === d.endpoints && this.applied.certificates === d.certificates;
      if (complete) {
        this.lastError = this.certificateProblem;
        this.lastAppliedAt = new Date().toISOString();
      }
      this.emitStatus();
    }
  }

  private emitStatus(): void {
    try {
      this.onStatus?.(this.status());
    } catch (e) {
      this.log.warn("onStatus callback failed", { error: (e as Error).message });
    }
  }

  private async applyConfig(s: DesiredState): Promise<void> {
    const hash = s.hashes.config;
    const dirName = sha256(s.config);
    const confPath = await this.layout.writeConfig(dirName, s.config, this.defaultCert ?? (await this.ensureCert()));
    const test = await this.nginx.test(confPath);
    if (!test.ok) {
      this.failedConfigHash = hash;
      this.metrics.reloadErrors.inc();
      this.setError("config", `nginx -t refused config ${hash.slice(0, 12)}: ${test.output}`, hash);
      return;
    }
    const previous = await this.layout.current();
    // External mode: an nginx that already answers (this agent restarted, or it came back before
    // the poll noticed) runs whatever conf/current held when it started, so it needs a reload too.
    const externalAlreadyUp = this.opts.nginxMode === "external" && !this.nginx.running && (await this.controlAnswers());
    await this.layout.swapCurrent(dirName);
    try {
      let started = false;
      if (!this.nginx.running) {
        if (this.restartTimer) {
          clearTimeout(this.restartTimer);
          this.restartTimer = null;
        }
        await this.startNginx();
        started = true;
      }
      if (!started || externalAlreadyUp) {
        await this.reload();
        this.reloads++;
        this.metrics.reloads.inc();
      }
    } catch (e) {
      if (e instanceof NginxUnavailableError) {
        // External nginx not up (yet): not the config's fault. conf/current stays (tested), so the
        // nginx container starts with it; the poll kicks a retry once nginx answers.
        this.setError("nginx", `config ${hash.slice(0, 12)} waits for nginx: ${e.message}`, hash);
        return;
      }
      // nginx -t passed but nginx could not use it (a port in use, ...): point current back.
      if (previous && previous !== dirName) await this.layout.swapCurrent(previous);
      this.failedConfigHash = hash;
      this.metrics.reloadErrors.inc();
      this.setError("config", `config ${hash.slice(0, 12)} did not take effect: ${(e as Error).message}`, hash);
      return;
    }
    this.failedConfigHash = "";
    this.metrics.configHashInfo.reset();
    this.metrics.configHashInfo.set({ hash }, 1);
    this.applied.config = hash;
    this.forceRepush = true; // belt and braces: shared dicts survive a HUP, not a restart
    this.log.info("config applied", { hash, reloads: this.reloads });
  }

  private async ensureCert(): Promise<PemPair> {
    this.defaultCert = await ensureDefaultCertificate(this.layout.sslDir);
    return this.defaultCert;
  }

  /** Whether the control server answers now (one try). */
  private async controlAnswers(): Promise<boolean> {
    return await this.control.state().then(
      () => true,
      () => false,
    );
  }

  private async reload(): Promise<void> {
    const before = await this.control.state();
    await this.nginx.reload();
    // New workers run a Lua VM loaded with a higher generation; fresh connections reach only them
    // once the old workers closed their listeners.
    await this.control.waitFor(
      (st) => st.generation > before.generation,
      this.opts.reloadTimeoutMs,
      "reload",
      () => (this.nginx.running ? undefined : "nginx exited"),
    );
  }

  private async startNginx(): Promise<void> {
    const pid = await this.nginx.start();
    this.startedAt = Date.now();
    this.log.info("nginx started", { pid });
    try {
      await this.control.waitFor(
        () => true,
        this.opts.reloadTimeoutMs,
        "nginx start",
        () => (this.nginx.running ? undefined : "nginx exited"),
      );
    } catch (e) {
      if (!this.nginx.running) throw new Error(`nginx exited at start: ${this.nginx.output}`);
      throw e;
    }
    this.forceRepush = true;
    this.metrics.nginxUp.set(1);
  }

  private onNginxDied(code: number | null, signal: NodeJS.Signals | null, output: string): void {
    this.metrics.nginxUp.set(0);
    if (this.stopped) return;
    this.restarts++;
    this.metrics.nginxRestarts.inc();
    // A master that ran a while resets the backoff; one that dies at once backs off further.
    if (Date.now() - this.startedAt > 30_000) this.backoffMs = this.opts.restartBackoffMs.min;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.restartBackoffMs.max);
    this.setError("nginx", `nginx exited (code ${code}, signal ${signal}); restarting in ${delay} ms. ${output.slice(-500)}`);
    this.emitStatus();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped) return;
      this.forceRepush = true;
      void this.kick();
    }, delay);
  }

  /** External mode: nginx stopped answering (its container died or restarts). Nothing to restart
   * here: the kubelet does; the poll notices when it answers again. */
  private onExternalLost(message: string): void {
    this.metrics.nginxUp.set(0);
    if (this.stopped) return;
    this.externalLost = true;
    this.restarts++;
    this.metrics.nginxRestarts.inc();
    this.setError("nginx", `nginx stopped answering on the control server (its container restarting?): ${message}`);
    this.emitStatus();
  }

  /** External mode, every poll: a fresh nginx has empty shared dicts (hashes dropped to "") or a
   * lower generation (counted from 1 again); then endpoints and certificates are pushed again. */
  private onExternalState(st: ControlState, wasRunning: boolean): void {
    if (this.stopped) return;
    const generationDropped = this.lastGeneration > 0 && st.generation < this.lastGeneration;
    this.lastGeneration = st.generation;
    const dictsEmptied = (this.applied.endpoints !== "" && st.endpointsHash === "") || (this.applied.certificates !== "" && st.certificatesHash === "");
    const cameBack = !wasRunning;
    if (!dictsEmptied && !generationDropped && !cameBack) return;
    if (!this.externalLost && (dictsEmptied || generationDropped)) {
      // Restarted between two polls: never seen down.
      this.restarts++;
      this.metrics.nginxRestarts.inc();
    }
    this.externalLost = false;
    this.log.warn("nginx (external) answers again or was restarted; pushing endpoints and certificates", {
      generation: st.generation,
      dictsEmptied,
      generationDropped,
      cameBack,
    });
    this.metrics.nginxUp.set(1);
    this.forceRepush = true;
    void this.kick();
  }

  /**
   * Before a config switch: the union of what nginx holds and what the new config needs, so the
   * first request of a new route already finds its endpoints and certificate (no 503 and no default
   * certificate in between), while upstreams the old config still uses keep theirs until the
   * reload is done. The exact sets follow right after the config is applied.
   */
  private async prePush(s: DesiredState): Promise<void> {
    try {
      await this.control.pushEndpoints({ ...this.pushed.endpoints, ...s.endpoints }, { ...this.pushed.balancing, ...s.balancing }, "transition");
      await this.control.pushCertificates({ ...this.pushed.sni, ...s.sniCertificates }, { ...this.pushed.certificates, ...s.certificates }, "transition");
    } catch (e) {
      this.log.warn("pushing endpoints and certificates ahead of the config failed; they follow the reload", { error: (e as Error).message });
    }
    // Whatever happens to the config, the exact sets are pushed next.
    this.applied.endpoints = "";
    this.applied.certificates = "";
  }

  private async applyEndpoints(s: DesiredState, force: boolean): Promise<void> {
    if (!force && s.hashes.endpoints === this.applied.endpoints) return;
    try {
      await this.control.pushEndpoints(s.endpoints, s.balancing ?? {}, s.hashes.endpoints);
      this.applied.endpoints = s.hashes.endpoints;
      this.pushed = { ...this.pushed, endpoints: s.endpoints, balancing: s.balancing ?? {} };
      this.metrics.endpointUpdates.inc();
    } catch (e) {
      this.metrics.endpointUpdateErrors.inc();
      this.setError("endpoints", (e as Error).message, s.hashes.endpoints);
    }
  }

  private async applyCertificates(s: DesiredState, force: boolean): Promise<void> {
    if (!force && s.hashes.certificates === this.applied.certificates) return;
    try {
      const res = await this.control.pushCertificates(s.sniCertificates, s.certificates, s.hashes.certificates);
      this.applied.certificates = s.hashes.certificates;
      this.pushed = { ...this.pushed, sni: s.sniCertificates, certificates: s.certificates };
      this.metrics.certificateUpdates.inc();
      this.certificateProblem = null;
      if (res.errors.length) {
        // The usable certificates are in place; the others fall back to the default certificate.
        this.metrics.certificateUpdateErrors.inc();
        this.setError("certificates", `nginx refused ${res.errors.length} certificate entries: ${res.errors.slice(0, 5).join("; ")}`, s.hashes.certificates);
        this.certificateProblem = this.lastError;
      }
    } catch (e) {
      this.metrics.certificateUpdateErrors.inc();
      this.setError("certificates", (e as Error).message, s.hashes.certificates);
    }
  }

  private async collectGarbage(): Promise<void> {
    const current = await this.layout.current();
    const removed = await this.layout.collectGarbage(this.opts.keepConfigs, current ? [current] : []);
    if (removed.length) this.log.debug("removed old config dirs", { removed });
  }

  /** Where the agent writes nginx's files (for tests and tools). */
  get prefix(): string {
    return this.opts.prefix;
  }
  get errorLog(): string {
    return join(this.opts.prefix, "logs", "error.log");
  }
}
