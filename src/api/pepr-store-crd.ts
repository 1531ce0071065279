// Pepr's own store CRD (peprstores.pepr.dev), as Pepr 1.1.4 defines it (pepr/src/lib/assets/store.ts).
// Pepr's controller.js server-side-applies it at every start; Portico installs it instead (the
// chart's crds/ and local mode), so no running identity needs to write CRDs.
export const PEPR_STORE_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "peprstores.pepr.dev" },
  spec: {
    group: "pepr.dev",
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: "object", properties: { data: { type: "object", additionalProperties: { type: "string" } } } } },
      },
    ],
    scope: "Namespaced",
    names: { plural: "peprstores", singular: "peprstore", kind: "PeprStore" },
  },
};
