// The operator's runtime: a latest-wins, backoff-retrying queue of IngressController keys fed by
// (1) IngressController events (the capability's Reconcile binding), (2) watches on children
// (drift: someone edited or deleted one), and (3) a periodic resync. The work itself is
// reconcileIngressController (reconcile.ts).

import { kind } from "kubernetes-fluent-client";
import type { Logger } from "../log.js";
import { LABELS, MANAGED_BY } from "../api/names.js";
import { KeyedQueue } from "./queue.js";
import { reconcileIngressController, type ReconcileResult } from "./reconcile.js";
import { kubeApi, type KubeApi } from "../k8s/api.js";
import { informer, type Informer } from "../k8s/informer.js";
import { API_VERSION, KIND } from "../api/schema.js";

export interface Hints {
  /** A child changed or vanished: apply even if this generation was applied already. */
  drift?: boolean;
  /** Periodic resync: apply everything again. */
  resync?: boolean;
}

export interface OperatorOptions {
  /** Seconds between full resyncs of every IngressController (0 disables). Default 300. */
  resyncSeconds?: number;
  concurrency?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Watch children for drift. Default true. */
  watchChildren?: boolean;
  log?: Logger;
  /** The API the reconciler writes through (default: the API server of the kubeconfig). */
  api?: KubeApi;
  onResult?: (key: string, result: ReconcileResult) => void;
}

const CHILD_MODELS = [
  kind.ServiceAccount,
  kind.Role,
  kind.RoleBinding,
  kind.Deployment,
  kind.Service,
  kind.ConfigMap,
  kind.PodDisruptionBudget,
  kind.IngressClass,
];

export function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Which IngressController a labelled child belongs to. */
export function ownerKeyOfChild(obj: { metadata?: { namespace?: string; labels?: Record<string, string> } }): string | undefined {
  const labels = obj.metadata?.labels ?? {};
  if (labels[LABELS.managedBy] !== MANAGED_BY || !labels[LABELS.instance]) return undefined;
  const ns = obj.metadata?.namespace ?? labels[LABELS.ownerNamespace];
  return ns ? keyOf(ns, labels[LABELS.instance]) : undefined;
}

export class Operator {
  readonly queue: KeyedQueue<Hints>;
  readonly #opts: OperatorOptions;
  readonly #api: KubeApi;
  /** key -> "uid/generation" last applied in full. */
  readonly #applied = new Map<string, string>();
  readonly #watches: Informer[] = [];
  #resync?: NodeJS.Timeout;

  constructor(opts: OperatorOptions = {}) {
    this.#opts = opts;
    this.#api = opts.api ?? kubeApi();
    this.queue = new KeyedQueue<Hints>((key, hints) => this.#run(key, hints), {
      concurrency: opts.concurrency ?? 4,
      baseDelayMs: opts.baseDelayMs ?? 1000,
      // A failure waiting on the operator's own fix (RBAC by helm upgrade, a missing namespace) has no
      // event to wake it: a one-minute cap keeps convergence after that fix within a minute.
      maxDelayMs: opts.maxDelayMs ?? 60_000,
      merge: (a, b) => ({ drift: a.drift || b.drift, resync: a.resync || b.resync }),
      onError: (key, err, attempt, delay) =>
        opts.log?.warn("reconcile failed; retrying", { controller: key, attempt, retryInMs: delay, error: String((err as Error)?.message ?? err) }),
    });
  }

  /** Called for every IngressController event (create, update incl. status, delete). */
  enqueue(namespace: string, name: string, hints: Hints = {}): void {
    this.queue.enqueue(keyOf(namespace, name), hints);
  }

  async #run(key: string, hints: Hints): Promise<void> {
    const [namespace, name] = key.split("/");
    const full = hints.drift || hints.resync;
    const result = await reconcileIngressController(namespace, name, {
      api: this.#api,
      // A status-only event (ours or the agent's) must not re-apply every child.
      applyChildren: (ic) => full || this.#applied.get(key) !== `${ic.metadata.uid}/${ic.metadata.generation ?? 1}` || !!ic.metadata.deletionTimestamp,
    });
    if (result.outcome === "applied") this.#applied.set(key, `${result.uid}/${result.generation}`);
    if (result.outcome === "gone" || result.outcome === "deleted") this.#applied.delete(key);
    this.#opts.log?.debug("reconciled", { controller: key, ...result });
    this.#opts.onResult?.(key, result);
  }

  /** Starts drift watches and the periodic resync. */
  async start(): Promise<void> {
    if (this.#opts.watchChildren !== false) {
      const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
      for (const model of CHILD_MODELS) {
        const drift = (obj: unknown) => {
          const key = ownerKeyOfChild(obj as never);
          if (key) this.queue.enqueue(key, { drift: true });
        };
        const w = informer(
          `${model.name} (children)`,
          model,
          { labels: { [LABELS.managedBy]: MANAGED_BY } },
          { listed: () => undefined, event: (_p, o) => drift(o) },
          this.#opts.log ?? silent,
        );
        this.#watches.push(w);
        await w.start();
      }
    }
    const every = (this.#opts.resyncSeconds ?? 300) * 1000;
    if (every > 0) {
      this.#resync = setInterval(() => void this.resyncAll().catch((err) => this.#opts.log?.warn("resync failed", { error: String(err) })), every);
      this.#resync.unref?.();
    }
  }

  /** Enqueues every IngressController for a full apply. */
  async resyncAll(): Promise<number> {
    const items = await this.#api.listObjects<{ metadata: { namespace: string; name: string } }>({ apiVersion: API_VERSION, kind: KIND });
    for (const ic of items) this.enqueue(ic.metadata.namespace, ic.metadata.name, { resync: true });
    return items.length;
  }

  stop(): void {
    if (this.#resync) clearInterval(this.#resync);
    for (const w of this.#watches.splice(0)) w.stop();
    this.queue.stop();
  }
}
