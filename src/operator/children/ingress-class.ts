// The IngressClass, when spec.ingressClass.create. Cluster-scoped, so it cannot carry an
// ownerReference to the namespaced IngressController: it is labelled with its owner and deleted
// explicitly (the reconciler's finalizer) and pruned by those labels.

import { GROUP, KIND } from "../../api/schema.js";
import { CROSS_NAMESPACE_CA_ANNOTATION, HOST_SHARING_ANNOTATION, LABELS, childLabels } from "../../api/names.js";
import { CONTROLLER_NAME, DEFAULT_CLASS_ANNOTATION } from "../../core/classes.js";
import type { ChildContext, Manifest } from "./types.js";

export function ingressClass({ owner, spec }: ChildContext): Manifest[] {
  const ic = spec.ingressClass;
  if (!ic.create) return [];
  return [
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "IngressClass",
      metadata: {
        name: ic.name,
        labels: { ...childLabels(owner, "ingress-class"), [LABELS.ownerNamespace]: owner.namespace },
        ...(annotations(ic.isDefault, spec.hostSharing?.namespaces, spec.crossNamespaceCASecrets) ?? {}),
      },
      spec: {
        controller: CONTROLLER_NAME,
        parameters: { apiGroup: GROUP, kind: KIND, scope: "Namespace", namespace: owner.namespace, name: owner.name },
      },
    },
  ];
}

function annotations(isDefault: boolean, sharing: string[] | undefined, crossNamespaceCa: boolean): { annotations: Record<string, string> } | undefined {
  const a: Record<string, string> = {};
  if (isDefault) a[DEFAULT_CLASS_ANNOTATION] = "true";
  if (sharing?.length) a[HOST_SHARING_ANNOTATION] = [...new Set(sharing)].sort().join(",");
  if (!crossNamespaceCa) a[CROSS_NAMESPACE_CA_ANNOTATION] = "false";
  return Object.keys(a).length ? { annotations: a } : undefined;
}
