// The IngressController as a kubernetes-fluent-client kind: `K8s(IngressControllerKind)`.
import { GenericKind, RegisterKind } from "kubernetes-fluent-client";
import { GROUP, KIND, PLURAL, VERSION } from "./schema.js";
import type { IngressControllerSpec, IngressControllerStatus } from "./types.generated.js";

export class IngressControllerKind extends GenericKind {
  declare spec?: IngressControllerSpec;
  declare status?: IngressControllerStatus;
}

RegisterKind(IngressControllerKind, { group: GROUP, version: VERSION, kind: KIND, plural: PLURAL });

/** Alias for readers who expect the kind's own name. */
export { IngressControllerKind as IngressController };
