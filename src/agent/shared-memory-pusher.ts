// Endpoints and certificates go into nginx's Lua shared memory through the control server, never
// through a reload. The pusher remembers what the shared dicts hold, so that before a config switch
// it can push the union of old and new (a new route's first request finds its endpoints and
// certificate, while upstreams the old config still uses keep theirs until the reload is done).
// It also pushes the dynamic routes (hosts a pending config adds, answered before its reload).
// Pushes run one at a time (the agent pushes ahead of a reload while another may be running).
import type { DesiredState } from "../core/contract.js";
import type { DynamicRoutes } from "../core/render/dynamic-routes.js";
import type { AgentError, ReportError } from "./agent-status.js";
import type { ControlClient } from "./control-client.js";
import type { Logger } from "../log.js";
import type { AgentMetrics } from "./metrics.js";

export class SharedMemoryPusher {
  /** Hashes of what the shared dicts hold now ("" = unknown or pushed only as a transition). */
  readonly applied = { endpoints: "", certificates: "" };
  /** Certificates nginx refused in the last push (the rest applied): stays reported until fixed. */
  certificateProblem: AgentError | null = null;
  /** Balancing policies nginx refused in the last endpoint push (endpoints applied): reported until fixed. */
  balancingProblem: AgentError | null = null;
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

  /** JSON of the routing table nginx holds ("" = unknown: the next push always goes). */
  private pushedRoutes = "";
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly control: ControlClient,
    private readonly metrics: AgentMetrics,
    private readonly log: Logger,
    private readonly report: ReportError,
  ) {}

  /**
   * Before a config switch: the union of what nginx holds and what the new config needs. The exact
   * sets follow right after the config is applied.
   */
  /** Runs `fn` after every push queued before it. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Replaces the routing table (skipped when nginx holds this one already, unless forced). */
  async pushRoutes(routes: DynamicRoutes, force = false): Promise<void> {
    const json = JSON.stringify(routes);
    if (!force && json === this.pushedRoutes) return;
    try {
      await this.control.pushRoutes(routes);
      this.pushedRoutes = json;
    } catch (e) {
      this.pushedRoutes = "";
      // Not an apply failure: those hosts wait for the reload, as without dynamic routes.
      this.log.warn("pushing dynamic routes failed; the new hosts answer after the reload", { error: (e as Error).message });
    }
  }

  async prePush(s: DesiredState): Promise<void> {
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

  async pushEndpoints(s: DesiredState, force: boolean): Promise<void> {
    if (!force && s.hashes.endpoints === this.applied.endpoints) return;
    try {
      const res = await this.control.pushEndpoints(s.endpoints, s.balancing ?? {}, s.hashes.endpoints);
      this.applied.endpoints = s.hashes.endpoints;
      this.pushed = { ...this.pushed, endpoints: s.endpoints, balancing: s.balancing ?? {} };
      this.metrics.endpointUpdates.inc();
      this.balancingProblem = null;
      if (res.errors.length) {
        this.log.warn("nginx refused balancing policies; those upstreams use round robin", { errors: res.errors.slice(0, 5) });
        this.balancingProblem = this.report(
          "endpoints",
          `nginx refused ${res.errors.length} balancing policies: ${res.errors.slice(0, 5).join("; ")}`,
          s.hashes.endpoints,
        );
      }
    } catch (e) {
      this.metrics.endpointUpdateErrors.inc();
      this.report("endpoints", (e as Error).message, s.hashes.endpoints);
    }
  }

  async pushCertificates(s: DesiredState, force: boolean): Promise<void> {
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
        this.certificateProblem = this.report(
          "certificates",
          `nginx refused ${res.errors.length} certificate entries: ${res.errors.slice(0, 5).join("; ")}`,
          s.hashes.certificates,
        );
      }
    } catch (e) {
      this.metrics.certificateUpdateErrors.inc();
      this.report("certificates", (e as Error).message, s.hashes.certificates);
    }
  }
}
