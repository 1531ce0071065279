// What marks an object as a child of an IngressController: the kind's identity, the labels every
// child carries and the ownerReference. One builder for the operator's children (src/api/names.ts
// uses it) and the controller's desired-state objects (state-objects.ts). Pure.

export const GROUP = "portico.dev";
export const VERSION = "v1alpha1";
export const KIND = "IngressController";
export const API_VERSION = `${GROUP}/${VERSION}`;

export const MANAGED_BY = "portico";
export const GENERATION_LABEL = "portico.dev/generation";

export const LABELS = {
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  component: "app.kubernetes.io/component",
  managedBy: "app.kubernetes.io/managed-by",
  generation: GENERATION_LABEL,
  /** Namespace of the owner, on cluster-scoped children (IngressClass). */
  ownerNamespace: "portico.dev/owner-namespace",
} as const;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The labels on every child of IngressController `owner.name` (the generation label when given). */
export function ownerLabels(owner: { name: string }, component: string, generation?: string): Record<string, string> {
  const labels: Record<string, string> = {
    [LABELS.name]: "portico",
    [LABELS.instance]: owner.name,
    [LABELS.component]: component,
    [LABELS.managedBy]: MANAGED_BY,
  };
  if (generation !== undefined) labels[LABELS.generation] = generation;
  return labels;
}

export function ownerReference(owner: { name: string; uid: string }): Required<OwnerReference> {
  return { apiVersion: API_VERSION, kind: KIND, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true };
}
