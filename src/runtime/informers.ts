// One list+watch per kind, feeding both the controller's store and admission's state (whichever
// this process has): Ingress, IngressClass, Service, EndpointSlice, TLS Secrets (field selector
// type=kubernetes.io/tls: no other Secret reaches this process), IngressController, and only the
// ConfigMaps the controller wants (Controller.wantedConfigMaps: those IngressControllers and served
// Ingresses' annotations name; one watch per ConfigMap, by field selector on the name, started and
// stopped as that set changes). The first complete list of every watch
// is the store's initial list: the controller starts rebuilding once all of them arrived.
import { kind } from "kubernetes-fluent-client";
import type { AdmissionSource } from "../admission/handlers.js";
import type { AdmissionState, WatchedKind } from "../admission/state.js";
import { IngressControllerKind } from "../api/kind.js";
import { dropBookkeeping } from "../core/kept-fields.js";
import type { Controller } from "../controller/controller.js";
import { STORED_KINDS, type StoredKind, type WantedSecret } from "../controller/store.js";
import { informer, type Informer, type InformerLog, type ObjectMetaLike, type WatchPhase } from "../k8s/informer.js";

export const TLS_SECRET_FIELDS = { type: "kubernetes.io/tls" };

type BaseKind = Exclude<StoredKind, "ConfigMap">;
const MODELS: Record<BaseKind, Parameters<typeof informer>[1]> = {
  Ingress: kind.Ingress,
  IngressClass: kind.IngressClass,
  Service: kind.Service,
  EndpointSlice: kind.EndpointSlice,
  Secret: kind.Secret,
  IngressController: IngressControllerKind,
};
const ADMISSION_KINDS: readonly WatchedKind[] = ["IngressClass", "Ingress", "Secret"];

export interface InformerTargets {
  /** The watcher's controller: every kind feeds its store. */
  controller?: Controller;
  /** Admission's state: Ingresses, IngressClasses and TLS Secrets feed it. */
  admission?: AdmissionState;
}

export class Informers implements Partial<AdmissionSource> {
  private readonly base = new Map<BaseKind, Informer>();
  private readonly configMaps = new Map<string, Informer>();
  /** Watches of the non-TLS Secrets served Ingresses' annotations name (auth-secret), by name. */
  private readonly secrets = new Map<string, Informer>();
  private readonly waiters = new Set<() => void>();
  private started = false;
  private synced = false;

  constructor(
    private readonly targets: InformerTargets,
    private readonly log: InformerLog,
  ) {}

  /** Starts the watches the targets need (idempotent). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.targets.controller?.onWantedSecrets((keys) => this.followSecrets(keys));
    this.targets.controller?.onWantedConfigMaps(() => this.followConfigMaps());
    const kinds: BaseKind[] = this.targets.controller ? (STORED_KINDS.filter((k) => k !== "ConfigMap") as BaseKind[]) : [...ADMISSION_KINDS];
    for (const k of kinds) {
      const w = informer<ObjectMetaLike>(
        k,
        MODELS[k],
        k === "Secret" ? { fields: TLS_SECRET_FIELDS } : {},
        {
          transform: dropBookkeeping,
          listed: (items) => this.listed(k, items),
          event: (phase, obj) => this.event(k, phase, obj),
        },
        this.log,
      );
      this.base.set(k, w);
      void w.start();
    }
  }

  stop(): void {
    for (const w of [...this.base.values(), ...this.configMaps.values(), ...this.secrets.values()]) w.stop();
    this.base.clear();
    this.configMaps.clear();
    this.secrets.clear();
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  /** Admission: resolves true once its kinds are listed, false after timeoutMs. Never rejects. */
  ready(timeoutMs: number): Promise<boolean> {
    const state = this.targets.admission;
    if (!state || state.synced) return Promise.resolve(!!state);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(state.synced);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        resolve(state.synced);
      }, timeoutMs);
      this.waiters.add(done);
    });
  }

  private listed(k: BaseKind, items: ObjectMetaLike[]): void {
    const { controller, admission } = this.targets;
    if (controller) for (const obj of items) controller.upsert(k, obj as never);
    if (admission && (ADMISSION_KINDS as string[]).includes(k)) {
      admission.replaceAll(k as WatchedKind, items as never);
      if (admission.synced) this.wakeWaiters();
    }
    if (k === "IngressController") this.followConfigMaps();
    this.checkSynced();
  }

  private event(k: BaseKind, phase: WatchPhase, obj: ObjectMetaLike): void {
    const { controller, admission } = this.targets;
    if (controller) {
      if (phase === "DELETED") controller.remove(k, obj as never);
      else controller.upsert(k, obj as never);
    }
    if (admission && (ADMISSION_KINDS as string[]).includes(k)) {
      if (phase === "DELETED") admission.remove(k as WatchedKind, obj as never);
      else admission.upsert(k as WatchedKind, obj as never);
    }
    if (k === "IngressController") this.followConfigMaps();
  }

  /** Watches exactly the ConfigMaps the controller wants (Controller.wantedConfigMaps); forgets the others. */
  private followConfigMaps(): void {
    const controller = this.targets.controller;
    if (!controller || !this.started) return;
    const wanted = new Set(controller.wantedConfigMaps());
    for (const [key, w] of this.configMaps) {
      if (wanted.has(key)) continue;
      w.stop();
      this.configMaps.delete(key);
      const [namespace, name] = key.split("/") as [string, string];
      controller.remove("ConfigMap", { metadata: { namespace, name } } as never);
    }
    for (const key of wanted) {
      if (this.configMaps.has(key)) continue;
      const [namespace, name] = key.split("/") as [string, string];
      const w = informer<ObjectMetaLike>(
        `ConfigMap ${key}`,
        kind.ConfigMap,
        { namespace, name },
        {
          transform: dropBookkeeping,
          listed: (items) => {
            // A relist that no longer finds it: the watch reports it DELETED as well; removing is idempotent.
            if (!items.length) controller.remove("ConfigMap", { metadata: { namespace, name } } as never);
            for (const obj of items) controller.upsert("ConfigMap", obj as never);
            this.checkSynced();
          },
          event: (phase, obj) => (phase === "DELETED" ? controller.remove("ConfigMap", obj as never) : controller.upsert("ConfigMap", obj as never)),
        },
        this.log,
      );
      this.configMaps.set(key, w);
      void w.start();
    }
  }

  /** Watches exactly the named non-TLS Secrets (the store keeps only those besides TLS ones). A
   * Secret wanted whole after being wanted for its CA data only (or back) gets a new watch, whose
   * list brings the store the copy it now keeps. */
  private followSecrets(wantedSecrets: WantedSecret[]): void {
    const controller = this.targets.controller;
    if (!controller || !this.started) return;
    const watchId = (s: WantedSecret) => (s.caOnly ? `${s.key} (CA data)` : s.key);
    const wanted = new Map(wantedSecrets.map((s) => [watchId(s), s.key]));
    for (const [id, w] of this.secrets) {
      if (wanted.has(id)) continue;
      w.stop();
      this.secrets.delete(id);
    }
    for (const [id, key] of wanted) {
      if (this.secrets.has(id)) continue;
      const [namespace, name] = key.split("/") as [string, string];
      const w = informer<ObjectMetaLike>(
        `Secret ${key}`,
        kind.Secret,
        { namespace, name },
        {
          transform: dropBookkeeping,
          listed: (items) => {
            if (!items.length) controller.remove("Secret", { metadata: { namespace, name } } as never);
            for (const obj of items) controller.upsert("Secret", obj as never);
          },
          event: (phase, obj) => (phase === "DELETED" ? controller.remove("Secret", obj as never) : controller.upsert("Secret", obj as never)),
        },
        this.log,
      );
      this.secrets.set(id, w);
      void w.start();
    }
  }

  private checkSynced(): void {
    const controller = this.targets.controller;
    if (!controller || this.synced) return;
    if (![...this.base.values()].every((w) => w.listed) || ![...this.configMaps.values()].every((w) => w.listed)) return;
    this.synced = true;
    controller.markSynced();
    this.log.info("initial list done", Object.fromEntries(STORED_KINDS.map((k) => [k, controller.store.count(k)])));
  }

  private wakeWaiters(): void {
    for (const w of this.waiters) w();
    this.waiters.clear();
  }
}
