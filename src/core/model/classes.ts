// Which Ingresses this controller serves: spec.ingressClassName, then the legacy
// kubernetes.io/ingress.class annotation, then the default IngressClass when neither is set.

import { classIsServed, DEFAULT_CLASS_ANNOTATION, requestedClass } from "../classes.js";
import type { Snapshot } from "../contract.js";
import type { Ingress } from "../k8s-types.js";

/** Ingresses of our classes, excluding ones being deleted, in a stable order (oldest first). */
export function selectIngresses(snapshot: Snapshot): Ingress[] {
  const ours = new Set(snapshot.controller.ingressClassNames);
  const servesDefault =
    snapshot.controller.servesDefaultClass ||
    snapshot.ingressClasses.some((c) => ours.has(c.metadata.name) && c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true");
  return snapshot.ingresses
    .filter((ing) => {
      if (ing.metadata.deletionTimestamp) return false;
      return classIsServed(requestedClass(ing), ours, servesDefault);
    })
    .sort(byAge);
}

/** Oldest first: creationTimestamp (missing sorts last), then namespace/name. */
export function byAge(a: Ingress, b: Ingress): number {
  const ta = a.metadata.creationTimestamp ?? "\uffff";
  const tb = b.metadata.creationTimestamp ?? "\uffff";
  if (ta !== tb) return ta < tb ? -1 : 1;
  return cmp(keyOf(a), keyOf(b));
}

export function keyOf(o: { metadata: { namespace?: string; name: string } }): string {
  return `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
