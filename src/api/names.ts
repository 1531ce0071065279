// Names, labels and ownerReferences shared by every child of an IngressController. Pure. The
// labels and the ownerReference are built in core (src/core/ownership.ts), which the
// desired-state objects use too.

import { LABELS, MANAGED_BY, ownerLabels, ownerReference as ownerReferenceOf } from "../core/ownership.js";

export { GENERATION_LABEL, LABELS, MANAGED_BY, ownerReference } from "../core/ownership.js";
export const FIELD_MANAGER = "portico";
/** Finalizer that deletes the cluster-scoped IngressClass (no ownerReference can reach it). */
export const FINALIZER = "portico.dev/ingress-class";
export { CONTROLLER_NAME } from "../core/classes.js";

export type Component = "nginx" | "default-backend" | "rbac" | "settings" | "tcp-services" | "udp-services" | "ingress-class";

/** What the generators need to know about the owning IngressController. */
export interface Owner {
  name: string;
  namespace: string;
  uid: string;
  generation: number;
}

export function childNames(icName: string) {
  return {
    nginx: `${icName}-nginx`,
    serviceAccount: `${icName}-nginx`,
    role: `${icName}-nginx`,
    roleBinding: `${icName}-nginx`,
    service: `${icName}-nginx`,
    pdb: `${icName}-nginx`,
    settings: `${icName}-settings`,
    defaultBackend: `${icName}-default-backend`,
    tcpServices: `${icName}-tcp-services`,
    udpServices: `${icName}-udp-services`,
  };
}

/** Labels that select one controller's children (used by prune and drift watches). */
export function instanceSelector(owner: Pick<Owner, "name">): Record<string, string> {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.instance]: owner.name };
}

/** Labels that select the pods of one component (stable across generations: no generation label). */
export function podSelector(owner: Pick<Owner, "name">, component: Component): Record<string, string> {
  return { [LABELS.name]: "portico", [LABELS.instance]: owner.name, [LABELS.component]: component };
}

export function childLabels(owner: Owner, component: Component): Record<string, string> {
  return ownerLabels(owner, component, String(owner.generation));
}

/** metadata of a namespaced child: name, namespace, labels, ownerReference. */
export function childMeta(owner: Owner, name: string, component: Component, extra: { annotations?: Record<string, string> } = {}) {
  return {
    name,
    namespace: owner.namespace,
    labels: childLabels(owner, component),
    ...(extra.annotations && Object.keys(extra.annotations).length ? { annotations: extra.annotations } : {}),
    ownerReferences: [ownerReferenceOf(owner)],
  };
}

/** On an IngressClass Portico creates: the IngressController's spec.hostSharing.namespaces,
 * comma-separated, so admission decides host sharing without reading IngressControllers. */
export const HOST_SHARING_ANNOTATION = "portico.dev/host-sharing";

/** On an IngressClass Portico creates: "false" when its IngressController's
 * spec.crossNamespaceCASecrets is false, so admission refuses another namespace's CA Secret. */
export const CROSS_NAMESPACE_CA_ANNOTATION = "portico.dev/cross-namespace-ca-secrets";
