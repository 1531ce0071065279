// The agent: applies DesiredStates to a local nginx.
//   config change       -> conf/<sha>/ written, `nginx -t`, conf/current swapped, SIGHUP, wait for
//                          the new generation of workers; a refused config keeps the old one serving
//   endpoints/certs     -> POST to the Lua control server (shared memory), never a reload
//   new hosts           -> pushed ahead as dynamic routes (core/render/dynamic-routes.ts) the moment
//                          a state arrives, with the endpoints and certificates they need, so they
//                          answer before the config that adds their servers is tested and reloaded
//   nginx died          -> restarted with backoff, endpoints and certificates pushed again
// External mode (the pod: nginx runs in its own container, started by portico-nginx-run): reload is
// a line on a FIFO, and a restarted nginx (empty shared dicts) is noticed by polling the control
// server, then endpoints and certificates are pushed again.
// Restart supervision lives in the nginx handles (nginx-process.ts, external-nginx.ts), the shared
// memory pushes in shared-memory-pusher.ts; the Agent sequences them.
// Applies run one at a time; states arriving meanwhile collapse into the latest.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DesiredState } from "../core/contract.js";
import type { DynamicRoutes } from "../core/render/dynamic-routes.js";
import { ConfigServers, dynamicRoutes } from "../core/render/dynamic-routes.js";
import type { AgentError, AgentErrorPart, AgentStatus } from "./agent-status.js";
import { ControlClient } from "./control-client.js";
import { ensureDefaultCertificate, type PemPair } from "./default-cert.js";
import { silentLogger, type Logger } from "../log.js";
import { createAgentMetrics, type AgentMetrics } from "./metrics.js";
import { refusedLine } from "./nginx-error.js";
import { EXTERNAL_POLL_MS, ExternalNginx, NginxUnavailableError } from "./external-nginx.js";
import type { NginxHandle, NginxLifecycle, NginxMode } from "./nginx-handle.js";
import { NginxProcess, stopStrayNginx } from "./nginx-process.js";
import { PrefixLayout } from "./prefix.js";
import { SharedMemoryPusher } from "./shared-memory-pusher.js";
import { sha256 } from "./state-hash.js";
import { BASE_TIMEOUTS, timeoutsFor } from "./timeouts.js";

export type { AgentError, AgentErrorPart, AgentStatus } from "./agent-status.js";

export interface AgentOptions {
  /** nginx prefix the agent owns (created if missing). */
  prefix: string;
  /** Where configs go (default <prefix>/conf); in the pod a volume nginx mounts read-only. */
  confDir?: string;
  /** The agent's own prefix for `nginx -t` (lua/, logs/, tmp/); default a fresh directory under
   * the OS temp dir, removed at stop(). Never one nginx can write. */
  testPrefix?: string;
  nginxBinary?: string; // default /usr/sbin/nginx
  /** Port of nginx's control server; must match the rendered config (RenderOptions.controlPort). */
  controlPort?: number; // default 10246
  /** How long a reload (or a start) of a tiny config may take before it counts as failed; each MiB
   * of config adds PER_MIB_MS (timeouts.ts). */
  reloadTimeoutMs?: number; // default 15000
  /** How long `nginx -t` of a tiny config may take before the config is refused; grows the same way. */
  configTestTimeoutMs?: number; // default 60000
  /** Config dirs kept besides the current one. */
  keepConfigs?: number; // default 5
  /** Backoff of restarts after nginx dies: doubles from min to max. */
  restartBackoffMs?: { min: number; max: number }; // default 200 .. 10000
  /** spawn: nginx is the agent's child. external: another process (the pod's nginx container) runs
   * it from conf/current/nginx.conf and reloads when a line arrives on `reloadFifo`. */
  nginxMode?: NginxMode; // default spawn
  /** External mode: the FIFO portico-nginx-run reads reload requests from (required there). */
  reloadFifo?: string;
  /** Where nginx's temp files and pid go, as the nginx process sees it: <prefix>/tmp becomes a
   * symlink to it (in the pod: the nginx container's bounded /tmp). Default: a directory of the prefix. */
  nginxTempDir?: string;
  /** Spawn mode: nginx's stdout (the access log) goes to the agent's stdout, or is discarded. */
  nginxStdout?: "inherit" | "ignore"; // default ignore
  /** External mode: how often the control server is polled to notice a restarted nginx. */
  externalPollMs?: number; // default 2000
  logger?: Logger;
  metrics?: AgentMetrics;
  onStatus?: (status: AgentStatus) => void;
}

let testPrefixes = 0;

export const AGENT_DEFAULTS = {
  nginxBinary: "/usr/sbin/nginx",
  controlPort: 10246,
  reloadTimeoutMs: BASE_TIMEOUTS.reloadMs,
  configTestTimeoutMs: BASE_TIMEOUTS.configTestMs,
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
  private readonly opts: Required<
    Omit<AgentOptions, "logger" | "metrics" | "onStatus" | "reloadFifo" | "confDir" | "testPrefix" | "nginxTempDir" | "nginxStdout">
  > & {
    reloadFifo?: string;
    nginxStdout?: "inherit" | "ignore";
  };
  private readonly log: Logger;
  private readonly nginx: NginxHandle;
  private defaultCert: PemPair | null = null;

  private readonly shm: SharedMemoryPusher;

  private desired: DesiredState | null = null;
  /** Hash of the config nginx serves ("" before the first apply). */
  private appliedConfig = "";
  /** The host servers of the config nginx serves, and of the one being loaded (workers of both
   * answer during a reload): dynamic routes are what they answer differently from a newer state. */
  private running = new ConfigServers("");
  private loading: ConfigServers | null = null;
  /** The servers of the latest state (read once per state). */
  private nextServers: { config: string; servers: ConfigServers } | null = null;
  /** The state whose endpoints, certificates and routes were pushed ahead of its config. */
  private pushedAheadFor: DesiredState | null = null;
  /** Config hash refused by `nginx -t` (or whose reload failed): not retried until it changes. */
  private failedConfigHash = "";
  private forceRepush = false;
  private reloads = 0;
  private restarts = 0;
  private lastError: AgentError | null = null;
  private lastAppliedAt: string | null = null;

  private dirty = false;
  private loop: Promise<AgentStatus> | null = null;
  private stopped = false;

  /** Where `nginx -t` runs (see AgentOptions.testPrefix). */
  readonly testPrefix: string;
  private readonly ownTestPrefix: boolean;

  constructor(options: AgentOptions) {
    this.opts = {
      prefix: options.prefix,
      nginxBinary: options.nginxBinary ?? AGENT_DEFAULTS.nginxBinary,
      controlPort: options.controlPort ?? AGENT_DEFAULTS.controlPort,
      reloadTimeoutMs: options.reloadTimeoutMs ?? AGENT_DEFAULTS.reloadTimeoutMs,
      configTestTimeoutMs: options.configTestTimeoutMs ?? AGENT_DEFAULTS.configTestTimeoutMs,
      keepConfigs: options.keepConfigs ?? AGENT_DEFAULTS.keepConfigs,
      restartBackoffMs: options.restartBackoffMs ?? AGENT_DEFAULTS.restartBackoffMs,
      nginxMode: options.nginxMode ?? AGENT_DEFAULTS.nginxMode,
      reloadFifo: options.reloadFifo,
      nginxStdout: options.nginxStdout,
      externalPollMs: options.externalPollMs ?? AGENT_DEFAULTS.externalPollMs,
    };
    this.log = options.logger ?? silentLogger();
    this.metrics = options.metrics ?? createAgentMetrics();
    this.onStatus = options.onStatus;
    this.layout = new PrefixLayout(this.opts.prefix, options.confDir, options.nginxTempDir);
    this.ownTestPrefix = !options.testPrefix;
    this.testPrefix = options.testPrefix ?? join(tmpdir(), `portico-nginx-test-${process.pid}-${++testPrefixes}`);
    this.control = new ControlClient(this.opts.controlPort);
    this.shm = new SharedMemoryPusher(this.control, this.metrics, this.log, (part, message, hash) => this.setError(part, message, hash));
    this.nginx =
      this.opts.nginxMode === "external"
        ? this.externalNginx()
        : new NginxProcess({
            nginxBinary: this.opts.nginxBinary,
            prefix: this.opts.prefix,
            testPrefix: this.testPrefix,
            confPath: this.layout.currentConf,
            logger: this.log,
            restartBackoffMs: this.opts.restartBackoffMs,
            lifecycle: this.lifecycle,
            ...(this.opts.nginxStdout ? { stdout: this.opts.nginxStdout } : {}),
          });
  }

  /** What the nginx handles report: counted and reported here, then everything pushed again. */
  private readonly lifecycle: NginxLifecycle = {
    lost: (message) => {
      this.metrics.nginxUp.set(0);
      if (this.stopped) return;
      this.restarts++;
      this.metrics.nginxRestarts.inc();
      this.setError("nginx", message);
      this.emitStatus();
    },
    fresh: (unseenRestart) => {
      if (this.stopped) return;
      if (unseenRestart) {
        this.restarts++;
        this.metrics.nginxRestarts.inc();
      }
      if (this.nginx.running) this.metrics.nginxUp.set(1);
      this.forceRepush = true;
      void this.kick();
    },
  };

  private externalNginx(): ExternalNginx {
    if (!this.opts.reloadFifo) throw new Error("reloadFifo: required when nginxMode is external (the FIFO portico-nginx-run reads)");
    return new ExternalNginx({
      nginxBinary: this.opts.nginxBinary,
      // Only `nginx -t` uses a prefix here: the agent's own.
      prefix: this.testPrefix,
      reloadFifo: this.opts.reloadFifo,
      control: this.control,
      logger: this.log,
      timeoutMs: this.opts.reloadTimeoutMs,
      pollMs: this.opts.externalPollMs,
      pushedHashes: () => this.shm.applied,
      lifecycle: this.lifecycle,
    });
  }

  private readonly onStatus?: (status: AgentStatus) => void;

  /** Prepares the prefix (dirs, Lua, default certificate) and stops an nginx an earlier agent left. */
  async start(): Promise<void> {
    await this.layout.prepare(undefined, this.testPrefix);
    this.defaultCert = await ensureDefaultCertificate(this.layout.sslDir);
    // In external mode the nginx named by nginx.pid is the nginx container's: not ours to stop.
    if (this.opts.nginxMode === "spawn") await stopStrayNginx(this.layout.pidFile, this.log);
    this.log.info("agent started", { prefix: this.opts.prefix, controlPort: this.opts.controlPort, nginxMode: this.opts.nginxMode });
  }

  /** Applies a desired state (or a later one, if more arrive meanwhile); resolves with the status after. */
  apply(state: DesiredState): Promise<AgentStatus> {
    this.desired = state;
    // Not behind the apply loop: a reload of an earlier state may be running for seconds.
    void this.shm.serial(() => this.pushAhead(state));
    return this.kick();
  }

  /**
   * A state whose config differs from the running one: its endpoints and certificates (the union
   * with what nginx holds) and the routes of its new plain hosts go into shared memory now.
   * One whose config is the running one: its endpoints and certificates, exactly.
   */
  private async pushAhead(s: DesiredState): Promise<void> {
    if (this.stopped || s !== this.desired || !this.nginx.running || !this.appliedConfig) return;
    if (s.hashes.config === this.appliedConfig) {
      await this.shm.pushEndpoints(s, false);
      await this.shm.pushCertificates(s, false);
      return;
    }
    if (s.hashes.config === this.failedConfigHash) return;
    const t0 = performance.now();
    await this.shm.prePush(s, this.forceRepush);
    const t1 = performance.now();
    const routes = this.routesFor(s);
    const t2 = performance.now();
    await this.shm.pushRoutes(routes);
    this.pushedAheadFor = s;
    // Where the time to a new route's first answer goes on this side (bench:e2e reads it).
    this.log.info("pushed ahead", {
      config: s.hashes.config,
      routes: Object.keys(routes).length,
      prePushMs: Math.round(t1 - t0),
      routesReadMs: Math.round(t2 - t1),
      routesPushMs: Math.round(performance.now() - t2),
    });
  }

  private serversOf(s: DesiredState): ConfigServers {
    if (this.nextServers?.config !== s.config) this.nextServers = { config: s.config, servers: new ConfigServers(s.config) };
    return this.nextServers.servers;
  }

  /** The routes of `s` the nginx serving now would answer differently (dynamic-routes.ts). */
  private routesFor(s: DesiredState): DynamicRoutes {
    const next = this.serversOf(s);
    return dynamicRoutes(next, this.loading && this.loading !== next ? [this.running, this.loading] : [this.running]);
  }

  status(): AgentStatus {
    const d = this.desired?.hashes;
    return {
      appliedHashes: { config: this.appliedConfig, endpoints: this.shm.applied.endpoints, certificates: this.shm.applied.certificates },
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
    await this.loop?.catch(() => undefined);
    await this.nginx.stop(graceMs);
    this.metrics.nginxUp.set(0);
    if (this.ownTestPrefix) await rm(this.testPrefix, { recursive: true, force: true });
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

  private setError(part: AgentErrorPart, message: string, hash?: string, line?: number): AgentError {
    this.lastError = { part, message, hash, ...(line !== undefined ? { line } : {}), at: new Date().toISOString() };
    this.log.error("apply failed", { part, hash, error: message });
    return this.lastError;
  }

  private async step(): Promise<void> {
    const s = this.desired;
    if (!s) return;
    const t0 = performance.now();
    try {
      if (s.hashes.config !== this.appliedConfig && s.hashes.config !== this.failedConfigHash) {
        if (this.nginx.running && this.pushedAheadFor !== s) await this.shm.serial(() => this.shm.prePush(s, this.forceRepush));
        await this.applyConfig(s);
      } else if (!this.nginx.running && this.appliedConfig && !this.nginx.restartPending) {
        await this.startNginx();
      }
      if (!this.nginx.running) return; // the restart path pushes everything once nginx is back
      await this.shm.serial(async () => {
        // A newer state arrived meanwhile: its own push ahead (and the next step) covers it; the
        // exact sets of this one would take away what the newer one's new hosts need.
        if (this.desired !== s) return;
        const force = this.forceRepush;
        this.forceRepush = false;
        // The running config is older than s (s's was refused, or waits for nginx): what it
        // serves keeps its upstreams and certificates until a config without them is live.
        const keepLive = this.appliedConfig !== s.hashes.config;
        await this.shm.pushEndpoints(s, force, keepLive);
        await this.shm.pushCertificates(s, force, keepLive);
        // Hosts of s the running config still lacks (its reload failed) keep their routes.
        await this.shm.pushRoutes(this.routesFor(s), force);
      });
      await this.collectGarbage();
    } catch (e) {
      this.setError("nginx", (e as Error).message);
    } finally {
      const secs = (performance.now() - t0) / 1000;
      this.metrics.lastApplySeconds.set(secs);
      this.metrics.lastApplyTimestamp.set(Date.now() / 1000);
      this.metrics.nginxUp.set(this.nginx.running ? 1 : 0);
      const d = s.hashes;
      const complete = this.appliedConfig === d.config && this.shm.applied.endpoints === d.endpoints && this.shm.applied.certificates === d.certificates;
      if (complete) {
        this.lastError = this.shm.certificateProblem ?? this.shm.balancingProblem;
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
    const confPath = await this.layout.writeConfig(dirName, s.config, this.defaultCert ?? (await this.ensureCert()), s.files);
    const limits = timeoutsFor(Buffer.byteLength(s.config), { configTestMs: this.opts.configTestTimeoutMs, reloadMs: this.opts.reloadTimeoutMs });
    const test = await this.nginx.test(confPath, limits.configTestMs);
    if (!test.ok) {
      this.failedConfigHash = hash;
      this.metrics.reloadErrors.inc();
      // Line 0: nginx named none (the controller then blames what changed since the last accepted config).
      this.setError("config", `nginx -t refused config ${hash.slice(0, 12)}: ${test.output}`, hash, refusedLine(test.output) ?? 0);
      return;
    }
    const previous = await this.layout.current();
    // External mode: an nginx that already answers (this agent restarted, or it came back before
    // the poll noticed) runs whatever conf/current held when it started, so it needs a reload too.
    const externalAlreadyUp = this.opts.nginxMode === "external" && !this.nginx.running && (await this.controlAnswers());
    await this.layout.swapCurrent(dirName);
    this.loading = this.serversOf(s);
    try {
      let started = false;
      if (!this.nginx.running) {
        await this.startNginx(limits.reloadMs); // cancels a scheduled restart
        started = true;
      }
      if (!started || externalAlreadyUp) {
        await this.reload(limits.reloadMs);
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
    } finally {
      this.loading = null;
    }
    this.failedConfigHash = "";
    this.metrics.configHashInfo.reset();
    this.metrics.configHashInfo.set({ hash }, 1);
    this.appliedConfig = hash;
    this.running = this.serversOf(s);
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

  private async reload(timeoutMs: number): Promise<void> {
    const before = await this.control.state();
    await this.nginx.reload();
    // New workers run a Lua VM loaded with a higher generation; fresh connections reach only them
    // once the old workers closed their listeners.
    await this.control.waitFor(
      (st) => st.generation > before.generation,
      timeoutMs,
      "reload",
      () => (this.nginx.running ? undefined : "nginx exited"),
    );
  }

  private async startNginx(timeoutMs = this.opts.reloadTimeoutMs): Promise<void> {
    const pid = await this.nginx.start();
    this.log.info("nginx started", { pid });
    try {
      await this.control.waitFor(
        () => true,
        timeoutMs,
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

  private async collectGarbage(): Promise<void> {
    const current = await this.layout.current();
    const removed = await this.layout.collectGarbage(this.opts.keepConfigs, current ? [current] : []);
    if (removed.length) this.log.debug("removed old config dirs", { removed });
  }

  /** Where the agent writes nginx's files (for tests and tools). */
  get prefix(): string {
    return this.opts.prefix;
  }
}
