// Bindings only: IngressController admission and reconciliation. The work is in src/operator.
import { Capability } from "pepr";
import { logger } from "../src/log.js";
import { validateIngressControllerRequest } from "../src/admission/ingress-controller.js";
import { cappedWarnings, denialMessage } from "../src/admission/verdict.js";
import { IngressControllerKind } from "../src/api/kind.js";
import { operator } from "../src/operator/operator.js";

export const IngressControllerCapability = new Capability({
  name: "portico-ingress-controller",
  description:
    "Validates IngressControllers and reconciles each into its NGINX data plane (Deployment, Service, RBAC, ConfigMaps, default backend, IngressClass).",
});

const { When } = IngressControllerCapability;
const log = logger("operator");

When(IngressControllerKind)
  .IsCreatedOrUpdated()
  .Validate((req) => {
    const v = validateIngressControllerRequest(req.Request as never);
    return v.allowed ? req.Approve(cappedWarnings(v.warnings)) : req.Deny(denialMessage(v), 422);
  });

// Deletion arrives as an update (deletionTimestamp set; the finalizer holds the object) and then
// as a delete. The callback only enqueues: the operator's own queue coalesces, retries with
// backoff, and watches children for drift.
When(IngressControllerKind)
  .IsCreatedOrUpdated()
  .Reconcile((ic) => operator({ log }).enqueue(ic.metadata?.namespace ?? "", ic.metadata?.name ?? ""));
When(IngressControllerKind)
  .IsDeleted()
  .Watch((ic) => operator({ log }).enqueue(ic.metadata?.namespace ?? "", ic.metadata?.name ?? ""));
