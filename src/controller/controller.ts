// The control loop: watches feed the store, a change that matters schedules a rebuild, and one
// rebuild turns a snapshot of the store into a desired state per IngressController, publishes it
// (only when its hash changed), writes Ingress status and reports diagnostics as Events.
// All API writes go through the injected ControllerWriters (src/k8s), so this file holds no I/O.

import { build } from "../core/build.js";
import type { BuildResult, Diagnostic, RenderOptions, Snapshot } from "../core/contract.js";
import type { Ingress, Secret } from "../core/k8s-types.js";
import { withDefaults, type Settings } from "../core/settings.js";
import { childNames } from "../api/names.js";
import { DiagnosticLedger } from "./diagnostics.js";
import { controllerIdentity } from "./identity.js";
import { ingressStatusUpdates, type IngressStatusUpdate } from "./ingress-status.js";
import { addIngressReferences, addStreamReferences, emptyReferences, isServed, type References } from "./references.js";
import { createControllerMetrics, type ControllerMetrics } from "./metrics.js";
import { changeMatters } from "./relevance.js";
import { RecentBuilds } from "./recent-builds.js";
import { blamedIngresses, changedSince, currentExclusions, ingressFingerprint, refusalOf, refusalText, type Exclusion } from "./refusals.js";
import { RebuildScheduler, type SchedulerOptions } from "./scheduler.js";
import { objectKey, Store, type StoredIngressController, type StoredKind, type StoredKinds, type WantedSecret } from "./store.js";

export interface ControllerWriters {
  /** Publishes a desired state; returns false when the published one already had these hashes. */
  publish(controller: StoredIngressController, result: BuildResult): Promise<boolean>;
  writeIngressStatus(update: IngressStatusUpdate): Promise<void>;
  recordDiagnostic(diagnostic: Diagnostic, controller: StoredIngressController): Promise<void>;
}

export interface ControllerLog {
  info(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  error(msg: string, meta?: Record<string, unknown>): void;
}

export interface RebuildStats {
  controllers: number;
  published: number;
  statusWrites: number;
  events: number;
  durationMs: number;
}

interface IngressControllerSpec {
  settings?: Partial<Settings>;
  tcpServicesConfigMap?: string;
  udpServicesConfigMap?: string;
  defaultTLSSecret?: string;
  publishAddress?: string;
  listen?: {
    address?: string;
    httpPort?: number;
    httpsPort?: number;
    controlPort?: number;
    defaultBackendPort?: number;
    httpsInternalPort?: number;
    passthroughInternalPort?: number;
    probePort?: number;
  };
  hostSharing?: { namespaces?: string[] };
  crossNamespaceCASecrets?: boolean;
}

function specOf(ic: StoredIngressController): IngressControllerSpec {
  return (ic.spec ?? {}) as IngressControllerSpec;
}

/** The addresses an IngressController publishes on the Ingresses it serves. */
export function publishedAddresses(ic: StoredIngressController): string[] {
  const spec = specOf(ic);
  if (spec.publishAddress) return [spec.publishAddress];
  const status = (ic.status ?? {}) as { publishedAddress?: string };
  return status.publishedAddress ? [status.publishedAddress] : [];
}

/** Pods listen on 8080/8443 on every address (the Service maps 80/443 to them, so redirects name
 * 443); local mode sets spec.listen to play the pod on this machine. */
export const POD_RENDER_OPTIONS: Partial<RenderOptions> = { listenAddress: "*", httpPort: 8080, httpsPort: 8443, publicHttpsPort: 443 };

export function renderOptionsFor(ic: StoredIngressController): Partial<RenderOptions> {
  const listen = specOf(ic).listen ?? {};
  const out: Partial<RenderOptions> = { ...POD_RENDER_OPTIONS };
  if (listen.address) out.listenAddress = listen.address;
  if (listen.httpPort) out.httpPort = listen.httpPort;
  if (listen.httpsPort) {
    out.httpsPort = listen.httpsPort;
    out.publicHttpsPort = listen.httpsPort; // a local process is reached on the port it listens on
  }
  if (listen.controlPort) out.controlPort = listen.controlPort;
  if (listen.defaultBackendPort) out.defaultBackendPort = listen.defaultBackendPort;
  if (listen.probePort) out.probePort = listen.probePort;
  if (listen.httpsInternalPort) out.httpsInternalPort = listen.httpsInternalPort;
  if (listen.passthroughInternalPort) out.passthroughInternalPort = listen.passthroughInternalPort;
  return out;
}

/** The tcp-services / udp-services ConfigMaps: named in the spec, else the operator's defaults. */
export function streamConfigMapNames(ic: StoredIngressController): { tcp: string; udp: string } {
  const spec = specOf(ic);
  const names = childNames(ic.metadata.name);
  return { tcp: spec.tcpServicesConfigMap ?? names.tcpServices, udp: spec.udpServicesConfigMap ?? names.udpServices };
}

/** Everything the build of one controller reads, from the store. */
export function snapshotFor(ic: StoredIngressController, store: Store): Snapshot {
  const spec = specOf(ic);
  const ns = ic.metadata.namespace ?? "";
  return {
    controller: controllerIdentity(ic, store.list("IngressClass"), store.list("IngressController")),
    settings: withDefaults(spec.settings),
    ingresses: store.list("Ingress"),
    ingressClasses: store.list("IngressClass"),
    services: store.list("Service"),
    endpointSlices: store.list("EndpointSlice"),
    secrets: store.list("Secret"),
    tcpServices: store.get("ConfigMap", ns, streamConfigMapNames(ic).tcp),
    configMaps: store.list("ConfigMap"),
    udpServices: store.get("ConfigMap", ns, streamConfigMapNames(ic).udp),
    defaultCertificate: spec.defaultTLSSecret ? (store.get("Secret", ns, spec.defaultTLSSecret) as Secret | undefined) : undefined,
    ...(spec.hostSharing?.namespaces?.length ? { hostSharing: spec.hostSharing.namespaces } : {}),
    ...(spec.crossNamespaceCASecrets === false ? { crossNamespaceCASecrets: false as const } : {}),
  };
}

export class Controller {
  readonly store = new Store();
  readonly metrics: ControllerMetrics = createControllerMetrics(this.store);
  private readonly scheduler: RebuildScheduler;
  private refs: References | undefined; // undefined until the first rebuild: everything matters
  private readonly statusOwned = new Set<string>();
  private readonly ledger = new DiagnosticLedger();
  /** The Ingresses each IngressController's last successful build served: they keep their status
   * while a build fails. Only these names are kept, not the build (its config, endpoints and
   * certificates are garbage once published). */
  private readonly lastServed = new Map<string, string[]>();
  /** Per IngressController: Ingresses left out because the data plane's nginx -t refused them. */
  private readonly excluded = new Map<string, Map<string, Exclusion>>();
  /** Per IngressController: the Ingresses of its latest configs, to tell which changed since the
   * one nginx last accepted. */
  private readonly builds = new RecentBuilds();
  lastStats: RebuildStats | undefined;
  rebuilds = 0;
  /** Until every kind has been listed once, no rebuild runs: a build from a partial cache would
   * publish a state with routes missing (a spurious change after every restart). */
  private synced = false;

  constructor(
    private readonly writers: ControllerWriters,
    private readonly log: ControllerLog,
    schedulerOptions: Partial<SchedulerOptions> = {},
  ) {
    this.scheduler = new RebuildScheduler(
      () => this.rebuild(),
      schedulerOptions,
      (err, attempt, retryIn) => this.log.error("rebuild failed; retrying", { error: describeError(err), attempt, retryInMs: retryIn }),
    );
  }

  /** Watch callbacks call these: cheap, synchronous, idempotent (replayed events are no-ops). */
  upsert<K extends StoredKind>(kind: K, obj: StoredKinds[K]): void {
    const change = this.store.upsert(kind, obj);
    if (change && this.synced && (!this.refs || changeMatters(change, this.refs))) this.scheduler.request();
  }

  remove<K extends StoredKind>(kind: K, obj: StoredKinds[K]): void {
    const change = this.store.remove(kind, obj);
    if (change && this.synced && (!this.refs || changeMatters(change, this.refs))) this.scheduler.request();
  }

  /** Called once the initial list of every kind is in the store; starts rebuilding. */
  markSynced(): void {
    this.synced = true;
    this.scheduler.request();
  }

  requestRebuild(): void {
    this.scheduler.request();
  }

  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  stop(): void {
    this.scheduler.stop();
  }

  private readonly configMapListeners: ((keys: string[]) => void)[] = [];
  private annotationConfigMaps = "";
  /** The one place that decides which ConfigMaps the watcher keeps (namespace/name): the ones
   * IngressControllers name (tcp-services, udp-services) and the ones served Ingresses'
   * annotations name (references.ts CONFIG_MAP_ANNOTATIONS). Every other ConfigMap of the
   * cluster stays out of memory. */
  wantedConfigMaps(): string[] {
    const wanted = new Set<string>();
    for (const ic of this.store.list("IngressController")) {
      const ns = ic.metadata.namespace ?? "";
      const names = streamConfigMapNames(ic);
      wanted.add(objectKey({ namespace: ns, name: names.tcp }));
      wanted.add(objectKey({ namespace: ns, name: names.udp }));
    }
    for (const key of this.refs?.annotationConfigMaps ?? []) wanted.add(key);
    return [...wanted].sort();
  }
  /** Called with wantedConfigMaps() whenever the annotation-named part changes (the informers
   * also follow IngressController changes themselves). */
  onWantedConfigMaps(listener: (keys: string[]) => void): void {
    this.configMapListeners.push(listener);
  }

  private readonly secretListeners: ((wanted: WantedSecret[]) => void)[] = [];
  /** Called with the namespace/name of every non-TLS Secret a served Ingress's annotations name
   * (caOnly: another namespace's CA Secret), whenever that set changes (the informers watch those
   * Secrets by name). */
  onWantedSecrets(listener: (wanted: WantedSecret[]) => void): void {
    this.secretListeners.push(listener);
  }

  /** One rebuild of every controller from one snapshot of the store. Throws to get a retry. */
  async rebuild(): Promise<void> {
    const timer = this.metrics.rebuildDuration.startTimer();
    try {
      await this.rebuildOnce();
    } catch (err) {
      this.metrics.rebuildFailures.inc();
      throw err;
    } finally {
      timer();
    }
  }

  /** Builds one controller without the Ingresses its data plane refused. A refusal of exactly this
   * config (the agent's status.refusedConfig) whose line traces to Ingresses drops those (an Event
   * on each) and builds again. One that traces to none drops the Ingresses that changed since the
   * config nginx last accepted, as suspects: once the config without them is applied they come back
   * one at a time, so a refusal then names the one that was let in. With nothing changed (or no
   * accepted config known yet) the refusal is reported on the IngressController. */
  private buildContained(
    ic: StoredIngressController,
    icKey: string,
    snapshot: Snapshot,
    diagnostics: { d: Diagnostic; ic: StoredIngressController }[],
  ): BuildResult {
    const exclusions = currentExclusions(this.excluded.get(icKey) ?? new Map(), snapshot.ingresses);
    const reasons = () => new Map([...exclusions].map(([k, e]) => [k, e.reason]));
    const byKey = new Map(snapshot.ingresses.map((i) => [`${i.metadata.namespace ?? ""}/${i.metadata.name}`, i]));
    const applied = (ic.status as { appliedConfigHash?: string } | undefined)?.appliedConfigHash ?? "";
    const accepted = this.builds.accepted(icKey, applied);
    let result = build(snapshot, renderOptionsFor(ic), reasons());
    const refusal = refusalOf(ic);
    const refusesThis = refusal !== undefined && refusal.hash === result.state.hashes.config;
    const blamed = blamedIngresses(refusal, result).filter((k) => byKey.has(k) && !exclusions.has(k));
    const fingerprints = () => new Map(result.servedIngresses.flatMap((k) => (byKey.has(k) ? [[k, ingressFingerprint(byKey.get(k)!)] as const] : [])));
    if (refusesThis && blamed.length) {
      for (const key of blamed)
        exclusions.set(key, {
          reason: `nginx -t refused the configuration rendered from it (${refusalText(refusal)})`,
          fingerprint: ingressFingerprint(byKey.get(key)!),
        });
      this.log.warn("nginx -t refused an Ingress's configuration; dropping it", { controller: icKey, ingresses: blamed, line: refusal.line });
      result = build(snapshot, renderOptionsFor(ic), reasons());
    } else if (refusesThis) {
      const changed = accepted ? changedSince(accepted, result, fingerprints()) : [];
      if (changed.length) {
        // One changed Ingress is the culprit; several are suspects, tried again one at a time.
        const suspect = changed.length > 1;
        const reason = suspect
          ? `nginx -t refused the configuration (${refusalText(refusal)}) at a line no single Ingress rendered; this Ingress is one of the ${changed.length} that changed since the last configuration nginx accepted, so it is left out until the configuration without them is applied, then tried again alone.`
          : `nginx -t refused the configuration (${refusalText(refusal)}) at a line no single Ingress rendered; this Ingress is the only one that changed since the last configuration nginx accepted`;
        for (const key of changed) exclusions.set(key, { reason, fingerprint: ingressFingerprint(byKey.get(key)!), ...(suspect ? { suspect } : {}) });
        this.log.warn("nginx -t refused a configuration no Ingress's lines explain; dropping the Ingresses changed since the last accepted one", {
          controller: icKey,
          ingresses: changed.slice(0, 20),
          line: refusal.line,
        });
        result = build(snapshot, renderOptionsFor(ic), reasons());
      } else {
        diagnostics.push({
          d: {
            object: { kind: "IngressController", namespace: ic.metadata.namespace, name: ic.metadata.name },
            severity: "Error",
            reason: "ConfigRefused",
            message: `nginx -t refused config ${refusal.hash.slice(0, 12)} (${refusalText(refusal)}); no Ingress rendered that line${accepted ? " and none changed since the last configuration nginx accepted" : ""}, so the data plane keeps its running configuration`,
          },
          ic,
        });
      }
    } else if (applied === result.state.hashes.config) {
      // The config without the suspects is live: let the first of them back in.
      const next = [...exclusions].find(([, e]) => e.suspect)?.[0];
      if (next) {
        exclusions.delete(next);
        this.builds.record(icKey, result.state.hashes.config, fingerprints);
        this.log.info("trying a suspected Ingress again", { controller: icKey, ingress: next });
        result = build(snapshot, renderOptionsFor(ic), reasons());
      }
    }
    this.builds.record(icKey, result.state.hashes.config, fingerprints);
    if (exclusions.size) this.excluded.set(icKey, exclusions);
    else this.excluded.delete(icKey);
    return result;
  }

  private async rebuildOnce(): Promise<void> {
    const started = performance.now();
    const controllers = this.store.list("IngressController").filter((c) => !c.metadata.deletionTimestamp);
    const refs = emptyReferences();
    const served = new Map<string, string[]>();
    const failures: unknown[] = [];
    let published = 0;
    let events = 0;
    const diagnostics: { d: Diagnostic; ic: StoredIngressController }[] = [];
    // Where a rebuild's time goes (logged with "rebuild done"; bench:e2e reads it).
    let buildMs = 0;
    let publishMs = 0;

    for (const ic of controllers) {
      const snapshot = snapshotFor(ic, this.store);
      for (const cls of snapshot.controller.ingressClassNames) refs.classNames.add(cls);
      refs.defaultClassServed ||= snapshot.controller.servesDefaultClass;
      for (const name of [snapshot.tcpServices, snapshot.udpServices]) if (name) addStreamReferences(name.data, refs);
      const spec = specOf(ic);
      const ns = ic.metadata.namespace ?? "";
      const stream = streamConfigMapNames(ic);
      refs.configMaps.add(`${ns}/${stream.tcp}`);
      refs.configMaps.add(`${ns}/${stream.udp}`);
      if (spec.defaultTLSSecret) refs.secrets.add(`${ns}/${spec.defaultTLSSecret}`);

      // One IngressController that cannot be built keeps its running state and is reported;
      // the others are built and published as usual.
      const icKey = objectKey(ic.metadata);
      let result: BuildResult;
      const buildStart = performance.now();
      try {
        result = this.buildContained(ic, icKey, snapshot, diagnostics);
        if ([...(this.excluded.get(icKey)?.values() ?? [])].some((e) => e.suspect)) refs.awaitingApplied.add(icKey);
        buildMs += performance.now() - buildStart;
        this.lastServed.set(icKey, result.servedIngresses);
      } catch (err) {
        diagnostics.push({
          d: {
            object: { kind: "IngressController", namespace: ic.metadata.namespace, name: ic.metadata.name },
            severity: "Error",
            reason: "BuildFailed",
            message: `${describeError(err)}; the data plane keeps its running configuration`,
          },
          ic,
        });
        this.log.error("building the desired state failed", { controller: icKey, error: describeError(err) });
        const addresses = publishedAddresses(ic);
        for (const key of this.lastServed.get(icKey) ?? []) served.set(key, [...(served.get(key) ?? []), ...addresses]);
        continue;
      }
      const addresses = publishedAddresses(ic);
      for (const key of result.servedIngresses) served.set(key, [...(served.get(key) ?? []), ...addresses]);
      for (const d of result.diagnostics) diagnostics.push({ d, ic });
      const publishStart = performance.now();
      try {
        if (await this.writers.publish(ic, result)) {
          published++;
          this.metrics.publishes.inc();
        }
      } catch (err) {
        failures.push(err);
        this.log.error("publishing the desired state failed", { controller: objectKey(ic.metadata), error: describeError(err) });
      }
      publishMs += performance.now() - publishStart;
    }
    const statusStart = performance.now();
    const ingresses = this.store.list("Ingress");
    for (const ing of ingresses) if (isServed(ing, refs)) addIngressReferences(ing as Ingress, refs);
    this.refs = refs;
    // Non-TLS Secrets annotations name (auth-secret): the informers watch exactly these, by name.
    if (this.store.wantSecrets(refs.annotationSecrets, refs.fullSecrets)) for (const l of this.secretListeners) l(this.store.wantedSecrets);
    const annotationConfigMaps = [...refs.annotationConfigMaps].sort().join("\n");
    if (annotationConfigMaps !== this.annotationConfigMaps) {
      this.annotationConfigMaps = annotationConfigMaps;
      for (const l of this.configMapListeners) l(this.wantedConfigMaps());
    }

    const updates = ingressStatusUpdates(ingresses, served, this.statusOwned);
    // Several in flight: after a burst of new Ingresses (10,000 at once) one write after the other
    // kept the rebuild, and so every later change, waiting for minutes.
    await inParallel(updates, STATUS_WRITES_IN_FLIGHT, async (update) => {
      const key = `${update.namespace}/${update.name}`;
      try {
        await this.writers.writeIngressStatus(update);
        this.metrics.statusWrites.inc();
        if (update.loadBalancer.length) this.statusOwned.add(key);
        else this.statusOwned.delete(key);
      } catch (err) {
        // A deleted Ingress has no status to write; anything else is retried with the rebuild.
        if ((err as { status?: number }).status !== 404) failures.push(err);
      }
    });
    for (const key of served.keys()) this.statusOwned.add(key);
    const statusMs = performance.now() - statusStart;

    const fresh = new Set(this.ledger.fresh(diagnostics.map((x) => x.d)));
    for (const { d, ic } of diagnostics) {
      if (!fresh.delete(d)) continue;
      try {
        await this.writers.recordDiagnostic(d, ic);
        events++;
        this.metrics.events.inc();
      } catch (err) {
        this.log.warn("recording an event failed", { reason: d.reason, error: describeError(err) });
      }
    }
    this.rebuilds++;
    this.metrics.rebuilds.inc();
    this.lastStats = {
      controllers: controllers.length,
      published,
      statusWrites: updates.length,
      events,
      durationMs: Math.round(performance.now() - started),
    };
    const mem = process.memoryUsage();
    this.log.info("rebuild done", {
      ...this.lastStats,
      buildMs: Math.round(buildMs),
      publishMs: Math.round(publishMs),
      statusMs: Math.round(statusMs),
      heapUsedMiB: Math.round(mem.heapUsed / 2 ** 20),
      heapTotalMiB: Math.round(mem.heapTotal / 2 ** 20),
      externalMiB: Math.round(mem.external / 2 ** 20),
      rssMiB: Math.round(mem.rss / 2 ** 20),
    });
    if (failures.length) throw failures[0];
  }
}

const STATUS_WRITES_IN_FLIGHT = 16;

/** Runs `fn` over `items` with at most `limit` calls in flight; `fn` handles its own errors. */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === "object") {
    const e = err as { status?: number; statusText?: string; data?: { message?: string } };
    if (e.status) return `HTTP ${e.status}: ${e.data?.message ?? e.statusText ?? ""}`.trim();
  }
  return String(err);
}
