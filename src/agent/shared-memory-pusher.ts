// Endpoints and certificates go into nginx's Lua shared memory through the control server, never
// through a reload. The pusher remembers what the shared dicts hold, so that before a config switch
// it can push the union of old and new (a new route's first request finds its endpoints and
// certificate, while upstreams the old config still uses keep theirs until the reload is done).
// While the running config is older than the state (its successor was refused, or is not live
// yet), a push keeps every upstream and certificate the running config was served with: new values
// for what both know, additions, and removals only once the config that drops them is live.
// It also pushes the dynamic routes (hosts a pending config adds, answered before its reload).
// nginx stores each push whole or not at all (a second generation; 507 when it does not fit), so a
// failed push leaves `pushed` and `live` true: they change only with an answered push.
// Pushes run one at a time (the agent pushes ahead of a reload while another may be running).
import type { DesiredState } from "../core/contract.js";
import type { DynamicRoutes } from "../core/render/dynamic-routes.js";
import type { AgentError, ReportError } from "./agent-status.js";
import type { ControlClient } from "./control-client.js";
import type { Logger } from "../log.js";
import type { AgentMetrics } from "./metrics.js";

interface SharedSets {
  endpoints: DesiredState["endpoints"];
  balancing: NonNullable<DesiredState["balancing"]>;
  sni: DesiredState["sniCertificates"];
  certificates: DesiredState["certificates"];
}

/** `kept`'s entries whose key `next` lacks, then all of `next`. */
function keeping<T>(kept: Record<string, T>, next: Record<string, T>, known: Record<string, unknown> = next): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(kept)) if (!(k in known)) out[k] = v;
  return Object.assign(out, next);
}

/** The hash a keeping push is recorded under: not the state's (its exact sets are still due). */
const keptHash = (hash: string) => `kept:${hash}`;

export class SharedMemoryPusher {
  /** Hashes of what the shared dicts hold now ("" = unknown or pushed only as a transition). */
  readonly applied = { endpoints: "", certificates: "" };
  /** Certificates nginx refused in the last push (the rest applied): stays reported until fixed. */
  certificateProblem: AgentError | null = null;
  /** Balancing policies nginx refused in the last endpoint push (endpoints applied): reported until fixed. */
  balancingProblem: AgentError | null = null;
  /** What nginx's shared memory holds now (to push the union before a config switch). */
  private pushed: SharedSets = {
    endpoints: {},
    balancing: {},
    sni: {},
    certificates: {},
  };

  /** What the last exact push held: the sets the running config was served with. */
  private live: SharedSets = { endpoints: {}, balancing: {}, sni: {}, certificates: {} };

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

  /** `full`: nginx may have lost what was pushed (it restarted and the re-push is pending). */
  async prePush(s: DesiredState, full = false): Promise<void> {
    // A part nginx already holds every entry of (most changes add a route, not a Service or a
    // certificate) is not pushed again: at 10,000 Ingresses the certificate union alone is
    // megabytes for Lua to decode and store, ahead of the routes the change waits for.
    const endpointsHeld = !full && holds(this.pushed.endpoints, s.endpoints) && holds(this.pushed.balancing, s.balancing ?? {});
    const certificatesHeld = !full && holds(this.pushed.sni, s.sniCertificates) && holds(this.pushed.certificates, s.certificates);
    try {
      if (!endpointsHeld)
        await this.control.pushEndpoints({ ...this.pushed.endpoints, ...s.endpoints }, { ...this.pushed.balancing, ...s.balancing }, "transition");
      if (!certificatesHeld)
        await this.control.pushCertificates({ ...this.pushed.sni, ...s.sniCertificates }, { ...this.pushed.certificates, ...s.certificates }, "transition");
    } catch (e) {
      this.log.warn("pushing endpoints and certificates ahead of the config failed; they follow the reload", { error: (e as Error).message });
    }
    // Whatever happens to the config, the exact sets of a part pushed as a union are pushed next.
    if (!endpointsHeld) this.applied.endpoints = "";
    if (!certificatesHeld) this.applied.certificates = "";
  }

  /** The state's endpoints; with `keepLive` (the running config is older than `s`) also the
   * upstreams of the last exact push that `s` lacks, with their balancing. */
  async pushEndpoints(s: DesiredState, force: boolean, keepLive = false): Promise<void> {
    const hash = keepLive ? keptHash(s.hashes.endpoints) : s.hashes.endpoints;
    if (!force && hash === this.applied.endpoints) return;
    const endpoints = keepLive ? keeping(this.live.endpoints, s.endpoints) : s.endpoints;
    const balancing = keepLive ? keeping(this.live.balancing, s.balancing ?? {}, s.endpoints) : (s.balancing ?? {});
    try {
      const res = await this.control.pushEndpoints(endpoints, balancing, hash);
      this.applied.endpoints = hash;
      this.pushed = { ...this.pushed, endpoints, balancing };
      if (!keepLive) this.live = { ...this.live, endpoints, balancing };
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

  /** The state's certificates; with `keepLive` also the SNI names (and their certificates) of the
   * last exact push that `s` lacks: hosts the running config still serves keep theirs. */
  async pushCertificates(s: DesiredState, force: boolean, keepLive = false): Promise<void> {
    const hash = keepLive ? keptHash(s.hashes.certificates) : s.hashes.certificates;
    if (!force && hash === this.applied.certificates) return;
    const sni = keepLive ? keeping(this.live.sni, s.sniCertificates) : s.sniCertificates;
    // Certificate ids carry a digest of their content: a kept id is the same pair.
    const certificates = keepLive ? keeping(this.live.certificates, s.certificates) : s.certificates;
    try {
      const res = await this.control.pushCertificates(sni, certificates, hash);
      this.applied.certificates = hash;
      this.pushed = { ...this.pushed, sni, certificates };
      if (!keepLive) this.live = { ...this.live, sni, certificates };
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

/** Whether `held` has every entry of `next` with the same value (the same object when the source
 * decoded the part once, else equal JSON). */
function holds<T>(held: Record<string, T>, next: Record<string, T>): boolean {
  for (const [k, v] of Object.entries(next)) {
    const h = held[k];
    if (h !== v && (h === undefined || JSON.stringify(h) !== JSON.stringify(v))) return false;
  }
  return true;
}
