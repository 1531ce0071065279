// Bindings only: admission of Ingresses and TLS Secrets. The work is in src/admission.
// IngressController admission is bound in ingress-controller.ts (same validator, bound once).
import { Capability, a } from "pepr";
import type { Ingress } from "../src/core/k8s-types.js";
import { LEGACY_CLASS_ANNOTATION } from "../src/core/classes.js";
import type { AdmissionHandlers } from "../src/admission/handlers.js";
import { suppressPeprStamp } from "../src/admission/pepr-stamp.js";
import type { AdmissionRequestLike } from "../src/admission/request.js";
import { cappedWarnings, denialMessage, type Verdict } from "../src/admission/verdict.js";

const NAME = "portico-admission";

type Answer = { Approve(w?: string[]): unknown; Deny(m?: string, c?: number, w?: string[]): unknown };
const answer = <R>(req: Answer, v: Verdict): R =>
  (v.allowed ? req.Approve(cappedWarnings(v.warnings)) : req.Deny(denialMessage(v), 422, cappedWarnings(v.warnings))) as R;

export function admissionCapability(handlers: AdmissionHandlers): Capability {
  const capability = new Capability({
    name: NAME,
    description: "Rejects invalid Ingresses of Portico's classes and TLS Secrets they use, and sets spec.ingressClassName from the legacy class annotation.",
  });
  const { When } = capability;

  // Only Ingresses carrying the legacy annotation reach the callback; Pepr's own stamp is suppressed
  // so those of other classes leave byte-identical (see src/admission/pepr-stamp.ts).
  When(a.Ingress)
    .IsCreatedOrUpdated()
    .WithAnnotation(LEGACY_CLASS_ANNOTATION)
    .Mutate(async (req) => {
      suppressPeprStamp(req as never, NAME);
      const cls = await handlers.legacyClassFor(req.Raw as unknown as Ingress);
      if (cls) req.Merge({ spec: { ingressClassName: cls } });
    });

  When(a.Ingress)
    .IsCreatedOrUpdated()
    .Validate(async (req) => answer(req, await handlers.admitIngress(req.Request as unknown as AdmissionRequestLike)));

  When(a.Secret)
    .IsCreatedOrUpdated()
    .Validate(async (req) => answer(req, await handlers.admitSecret(req.Request as unknown as AdmissionRequestLike)));
  return capability;
}
