// Bindings only: IngressController admission and reconciliation. The work is in src/operator.
import { Capability } from "pepr";
import { validateIngressControllerRequest } from "../src/admission/ingress-controller.js";
import { cappedWarnings, denialMessage } from "../src/admission/verdict.js";
import { IngressControllerKind } from "../src/api/kind.js";
import type { Operator } from "../src/operator/operator.js";

export function ingressControllerCapability(operator: Operator): Capability {
  const capability = new Capability({
    name: "portico-ingress-controller",
    description:
      "Validates IngressControllers and reconciles each into its NGINX data plane (Deployment, Service, RBAC, ConfigMaps, default backend, IngressClass).",
  });
  const { When } = capability;

  When(IngressControllerKind)
    .IsCreatedOrUpdated()
    .Validate((req) => {
      const v = validateIngressControllerRequest(req.Request as never);
      return v.allowed ? req.Approve(cappedWarnings(v.warnings)) : req.Deny(denialMessage(v), 422);
    });

  // Deletion arrives as an update (deletionTimestamp set; the finalizer holds the object) and then
  // as a delete. The callback only enqueues: the operator's own queue coalesces, retries with
  // backoff, and watches children for drift. (These bindings are also what makes Pepr deploy its
  // watcher pod, which runs the runtime's informers.)
  When(IngressControllerKind)
    .IsCreatedOrUpdated()
    .Reconcile((ic) => operator.enqueue(ic.metadata?.namespace ?? "", ic.metadata?.name ?? ""));
  When(IngressControllerKind)
    .IsDeleted()
    .Watch((ic) => operator.enqueue(ic.metadata?.namespace ?? "", ic.metadata?.name ?? ""));
  return capability;
}
