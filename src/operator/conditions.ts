// Status conditions of an IngressController. Pure: the reconciler decides what happened, these
// functions turn it into metav1.Conditions, keeping lastTransitionTime when a status is unchanged.

import type { CONDITION_TYPES } from "../api/schema.js";
import type { Condition, IngressControllerStatus } from "../api/types.generated.js";

export interface ConditionInput {
  type: (typeof CONDITION_TYPES)[number];
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

export function setConditions(current: Condition[] | undefined, next: ConditionInput[], generation: number, now: Date): Condition[] {
  const byType = new Map((current ?? []).map((c) => [c.type, c]));
  for (const n of next) {
    const old = byType.get(n.type);
    const lastTransitionTime = old && old.status === n.status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, "Z");
    byType.set(n.type, { type: n.type, status: n.status, observedGeneration: generation, lastTransitionTime, reason: n.reason, message: n.message });
  }
  return [...byType.values()].sort((a, b) => a.type.localeCompare(b.type));
}

/** ConfigApplied, derived from what the controller published and the agent reported. */
export function configAppliedCondition(status: IngressControllerStatus | undefined): ConditionInput {
  const desired = status?.desiredConfigHash;
  const applied = status?.appliedConfigHash;
  if (status?.lastError) return { type: "ConfigApplied", status: "False", reason: "ApplyFailed", message: status.lastError.slice(0, 1024) };
  if (!desired) return { type: "ConfigApplied", status: "Unknown", reason: "NoDesiredState", message: "no configuration has been published yet" };
  if (applied === desired) return { type: "ConfigApplied", status: "True", reason: "Applied", message: `data plane runs config ${desired.slice(0, 12)}` };
  return {
    type: "ConfigApplied",
    status: "False",
    reason: "Pending",
    message: applied
      ? `data plane runs ${applied.slice(0, 12)}, desired ${desired.slice(0, 12)}`
      : `waiting for the data plane to apply ${desired.slice(0, 12)}`,
  };
}

/** Degraded while the controller leaves Ingresses out of the desired state (status.droppedIngresses,
 * the controller's): a dropped Ingress is degraded service even when every child is in place. */
export function withDroppedIngresses(conditions: ConditionInput[], status: IngressControllerStatus | undefined): ConditionInput[] {
  const dropped = status?.droppedIngresses ?? [];
  // A reconcile that says nothing about Degraded (status only) still shows dropped Ingresses.
  const all: ConditionInput[] = conditions.some((c) => c.type === "Degraded")
    ? conditions
    : [...conditions, { type: "Degraded", status: "False", reason: "AsExpected", message: "no Ingress is left out" }];
  return all.map((c) => {
    if (c.type !== "Degraded") return c;
    if (dropped.length && c.status !== "True") {
      const shown = dropped.slice(0, 3).join("; ");
      const more = dropped.length > 3 ? ` (and ${dropped.length - 3} more)` : "";
      return { type: "Degraded", status: "True", reason: "IngressesDropped", message: `left out of the configuration: ${shown}${more}`.slice(0, 1024) };
    }
    if (!dropped.length && c.reason === "IngressesDropped")
      return { type: "Degraded", status: "False", reason: "AsExpected", message: "no Ingress is left out" };
    return c;
  });
}

/** True when the two condition lists say the same thing (ignoring nothing: times are kept stable). */
export function sameConditions(a: Condition[] | undefined, b: Condition[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/**
 * Why a reconcile failed, for the Event and the conditions. A 403 almost always means the
 * IngressController lives in a namespace the release's RBAC does not cover (the chart grants
 * namespaced writes only where IngressControllers may live), so it says which value to set.
 */
export function reconcileFailure(namespace: string, err: unknown): { reason: string; message: string } {
  const message = (err as Error)?.message ?? String(err);
  if ((err as { status?: number })?.status === 403)
    return {
      reason: "NamespaceNotPermitted",
      message: `namespace "${namespace}" is not one where this Portico release may run IngressControllers: add it to the chart value rbac.extraNamespaces and run helm upgrade (retried until then; ${message})`,
    };
  return { reason: "ReconcileFailed", message };
}
