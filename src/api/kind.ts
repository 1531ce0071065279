// The IngressController as a kubernetes-fluent-client kind: `K8s(IngressControllerKind)`.
import { GenericKind, RegisterKind } from "kubernetes-fluent-client";
import { RegisterKind as PeprRegisterKind } from "pepr";
import { GROUP, KIND, PLURAL, VERSION } from "./schema.js";
import type { IngressControllerSpec, IngressControllerStatus } from "./types.generated.js";

export class IngressControllerKind extends GenericKind {
  declare spec?: IngressControllerSpec;
  declare status?: IngressControllerStatus;
}

const gvk = { group: GROUP, version: VERSION, kind: KIND, plural: PLURAL };
RegisterKind(IngressControllerKind, gvk);
// Pepr's CommonJS build requires kubernetes-fluent-client itself. Bundled (pepr build) that is this
// same instance; under tsx (local mode, tests) it is a second one whose registry When() reads, so
// the kind is registered there too. Same instance: already registered, nothing to do.
if (PeprRegisterKind !== RegisterKind) {
  try {
    PeprRegisterKind(IngressControllerKind, gvk);
  } catch (err) {
    if (!String((err as Error).message).includes("already registered")) throw err;
  }
}

/** Alias for readers who expect the kind's own name. */
export { IngressControllerKind as IngressController };
