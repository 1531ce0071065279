// One reconcile of one IngressController: read it fresh, apply every child by server-side apply,
// create the create-only ConfigMaps, prune children of older generations, then write status.
// Throws on API failures (the caller retries with backoff); an invalid spec is reported, not thrown.

import { kubeApi, type KubeApi, type KubeObject, type Pruned } from "../k8s/api.js";
import { isNotFound } from "../k8s/client.js";
import { CHILD_KINDS, desiredChildren, ownerOf, type Manifest } from "./children/index.js";
import { CREATE_ONLY_LABEL } from "./children/configmaps.js";
import { STATE_COMPONENT } from "../core/state-objects.js";
import { configAppliedCondition, reconcileFailure, sameConditions, setConditions, withDroppedIngresses, type ConditionInput } from "./conditions.js";
import { FIELD_MANAGER, FINALIZER, GENERATION_LABEL, LABELS, childNames, instanceSelector, type Owner } from "../api/names.js";
import { publishedAddress, type ServiceStatusLike } from "./published-address.js";
import { API_VERSION, KIND } from "../api/schema.js";
import type { IngressControllerSpec, IngressControllerStatus } from "../api/types.generated.js";
import { validateIngressController } from "../api/validate.js";

export interface IngressControllerObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation?: number;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
  };
  spec?: IngressControllerSpec;
  status?: IngressControllerStatus;
}

export interface ReconcileOptions {
  /** The API to read and write (default: the API server of the kubeconfig). */
  api?: KubeApi;
  fieldManager?: string;
  now?: () => Date;
  /** false: only refresh status (the generation was applied already and nothing drifted). A
   * function decides from the freshly read object. Default true. */
  applyChildren?: boolean | ((ic: IngressControllerObject) => boolean);
}

export type ReconcileOutcome = "applied" | "status" | "invalid" | "deleted" | "gone";

export interface ReconcileResult {
  outcome: ReconcileOutcome;
  generation?: number;
  uid?: string;
  applied: number;
  created: string[];
  pruned: Pruned[];
  /** Why the IngressClass was not applied, when another owner holds it. */
  conflict?: string;
}

const icRef = (namespace: string, name?: string) => ({ apiVersion: API_VERSION, kind: KIND, namespace, name });

export async function getIngressController(namespace: string, name: string, api: KubeApi = kubeApi()): Promise<IngressControllerObject | undefined> {
  try {
    return await api.getObject<IngressControllerObject>(icRef(namespace, name));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function mergePatchMeta(api: KubeApi, ic: IngressControllerObject, finalizers: string[]): Promise<void> {
  // resourceVersion makes this a compare-and-swap: a concurrent change fails with 409 and is retried.
  await api.mergePatch(icRef(ic.metadata.namespace, ic.metadata.name), { metadata: { finalizers, resourceVersion: ic.metadata.resourceVersion } });
}

/** Cluster-scoped children (IngressClass) carry owner labels instead of an ownerReference. */
function clusterSelector(owner: Owner): Record<string, string> {
  return { ...instanceSelector(owner), [LABELS.ownerNamespace]: owner.namespace };
}

const INGRESS_CLASS_KIND = CHILD_KINDS.filter((k) => !k.namespaced);
const NAMESPACED_KINDS = CHILD_KINDS.filter((k) => k.namespaced);

async function deleteClusterScopedChildren(api: KubeApi, owner: Owner): Promise<void> {
  // keepGeneration = +Infinity: every generation goes.
  await api.pruneByLabel(INGRESS_CLASS_KIND, undefined, clusterSelector(owner), GENERATION_LABEL, Number.POSITIVE_INFINITY);
}

/** An IngressClass of that name held by someone else (another controller, or created by hand). */
async function ingressClassConflict(api: KubeApi, m: Manifest, owner: Owner): Promise<string | undefined> {
  try {
    const existing = await api.getObject<KubeObject>({ apiVersion: m.apiVersion, kind: m.kind, name: m.metadata.name });
    const labels = (existing.metadata as { labels?: Record<string, string> }).labels ?? {};
    if (labels[LABELS.instance] === owner.name && labels[LABELS.ownerNamespace] === owner.namespace) return undefined;
    const holder = labels[LABELS.instance] ? `IngressController ${labels[LABELS.ownerNamespace]}/${labels[LABELS.instance]}` : "another owner";
    return `IngressClass ${m.metadata.name} already exists and belongs to ${holder}; not taking it over`;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

interface Observed {
  readyReplicas: number;
  address?: string;
}

async function observe(api: KubeApi, owner: Owner, spec: IngressControllerSpec): Promise<Observed> {
  const names = childNames(owner.name);
  const get = async <T>(kind: string, apiVersion: string, name: string) => {
    try {
      return await api.getObject<T>({ apiVersion, kind, namespace: owner.namespace, name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const [deploy, svc] = await Promise.all([
    get<{ status?: { readyReplicas?: number } }>("Deployment", "apps/v1", names.nginx),
    get<ServiceStatusLike>("Service", "v1", names.service),
  ]);
  return { readyReplicas: deploy?.status?.readyReplicas ?? 0, address: publishedAddress(spec.publishAddress, svc) };
}

async function writeStatus(
  api: KubeApi,
  ic: IngressControllerObject,
  conditions: ConditionInput[],
  extra: Partial<IngressControllerStatus>,
  opts: Required<Pick<ReconcileOptions, "fieldManager" | "now">>,
): Promise<void> {
  const generation = ic.metadata.generation ?? 1;
  const all = [...withDroppedIngresses(conditions, ic.status), configAppliedCondition(ic.status)];
  const next = setConditions(ic.status?.conditions, all, generation, opts.now());
  const status: IngressControllerStatus = { observedGeneration: generation, conditions: next, ...extra };
  const cur = ic.status ?? {};
  const unchanged =
    cur.observedGeneration === generation &&
    cur.publishedAddress === extra.publishedAddress &&
    sameConditions(cur.conditions, next) &&
    Object.entries(extra).every(([k, v]) => (cur as Record<string, unknown>)[k] === v);
  if (unchanged) return;
  await api.patchStatus(icRef(ic.metadata.namespace, ic.metadata.name) as never, status as Record<string, unknown>, {
    fieldManager: opts.fieldManager,
    force: true,
  });
}

function warn(api: KubeApi, ic: IngressControllerObject, reason: string, message: string): Promise<void> {
  return api
    .recordEvent({ ...icRef(ic.metadata.namespace, ic.metadata.name), uid: ic.metadata.uid } as never, "Warning", reason, message)
    .catch(() => undefined);
}

export async function reconcileIngressController(namespace: string, name: string, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const opts = { fieldManager: options.fieldManager ?? FIELD_MANAGER, now: options.now ?? (() => new Date()) };
  const api = options.api ?? kubeApi();
  const empty = { applied: 0, created: [] as string[], pruned: [] as Pruned[] };
  const ic = await getIngressController(namespace, name, api);
  if (!ic) return { outcome: "gone", ...empty };
  const owner = ownerOf(ic);
  const base = { generation: owner.generation, uid: owner.uid };

  if (ic.metadata.deletionTimestamp) {
    await deleteClusterScopedChildren(api, owner);
    if (ic.metadata.finalizers?.includes(FINALIZER))
      await mergePatchMeta(
        api,
        ic,
        ic.metadata.finalizers.filter((f) => f !== FINALIZER),
      );
    return { outcome: "deleted", ...base, ...empty };
  }

  const valid = validateIngressController(ic);
  if (!valid.ok) {
    const message = valid.errors.join("; ");
    await writeStatus(
      api,
      ic,
      [
        { type: "Ready", status: "False", reason: "InvalidSpec", message },
        { type: "Degraded", status: "True", reason: "InvalidSpec", message },
      ],
      {},
      opts,
    );
    if (ic.status?.observedGeneration !== owner.generation) await warn(api, ic, "InvalidSpec", message);
    return { outcome: "invalid", ...base, ...empty };
  }
  const spec = valid.value;

  const applyChildren = typeof options.applyChildren === "function" ? options.applyChildren(ic) : options.applyChildren !== false;
  if (!applyChildren) {
    const seen = await observe(api, owner, spec);
    const ready = ic.status?.conditions?.filter((c) => c.type !== "ConfigApplied") ?? [];
    await writeStatus(
      api,
      ic,
      ready.map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message }) as ConditionInput),
      statusFields(spec.replicas, seen),
      opts,
    );
    return { outcome: "status", ...base, ...empty };
  }

  try {
    // The finalizer exists only to delete a cluster-scoped IngressClass we created; without one
    // (create: false) the object must stay deletable when no operator runs (e.g. helm uninstall).
    const hasFinalizer = !!ic.metadata.finalizers?.includes(FINALIZER);
    if (spec.ingressClass.create && !hasFinalizer) {
      await mergePatchMeta(api, ic, [...(ic.metadata.finalizers ?? []), FINALIZER]);
      ic.metadata.resourceVersion = undefined;
    }
    const desired = desiredChildren({ owner, spec });
    let conflict: string | undefined;
    const toApply: Manifest[] = [];
    for (const m of desired.apply) {
      if (m.kind === "IngressClass") {
        conflict = await ingressClassConflict(api, m, owner);
        if (conflict) continue;
      }
      toApply.push(m);
    }
    await api.applyAll(toApply as KubeObject[], { fieldManager: opts.fieldManager, force: true });
    const created: string[] = [];
    for (const m of desired.createOnly) {
      if ((await api.createIfMissing(m as KubeObject)) === "created") created.push(`${m.kind}/${m.metadata.name}`);
    }
    const pruned = [
      ...(await api.pruneByLabel(NAMESPACED_KINDS, owner.namespace, instanceSelector(owner), GENERATION_LABEL, owner.generation, {
        without: [CREATE_ONLY_LABEL],
        // The controller's desired-state objects carry the generation too, but they are the controller's:
        // pruning them on a spec change left new NGINX pods with nothing to run (found on a real node).
        notEqual: { [LABELS.component]: STATE_COMPONENT },
        ownerUid: owner.uid,
      })),
      ...(await api.pruneByLabel(INGRESS_CLASS_KIND, undefined, clusterSelector(owner), GENERATION_LABEL, owner.generation)),
    ];
    if (!spec.ingressClass.create && hasFinalizer) {
      // Pruned above; nothing cluster-scoped left to clean up.
      await mergePatchMeta(
        api,
        ic,
        (ic.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
      );
    }
    const seen = await observe(api, owner, spec);
    const message = `${toApply.length} children applied for generation ${owner.generation}; ${seen.readyReplicas}/${spec.replicas} nginx pods ready`;
    await writeStatus(
      api,
      ic,
      [
        { type: "Ready", status: "True", reason: "ChildrenApplied", message },
        conflict
          ? { type: "Degraded", status: "True", reason: "IngressClassConflict", message: conflict }
          : { type: "Degraded", status: "False", reason: "AsExpected", message: "all children are in place" },
      ],
      statusFields(spec.replicas, seen),
      opts,
    );
    if (conflict && ic.status?.observedGeneration !== owner.generation) await warn(api, ic, "IngressClassConflict", conflict);
    return { outcome: "applied", ...base, applied: toApply.length, created, pruned, conflict };
  } catch (err) {
    const { reason, message } = reconcileFailure(namespace, err);
    await warn(api, ic, reason, message);
    await writeStatus(
      api,
      ic,
      [
        { type: "Ready", status: "False", reason, message },
        { type: "Degraded", status: "True", reason, message },
      ],
      {},
      opts,
    ).catch(() => undefined);
    throw err;
  }
}

function statusFields(replicas: number, seen: Observed): Partial<IngressControllerStatus> {
  return { replicas, readyReplicas: seen.readyReplicas, ...(seen.address ? { publishedAddress: seen.address } : {}) };
}
