// Validation of an IngressController: the operator's ajv validator, compiled from the one schema
// source (src/operator/schema.ts) that also generates the CRD, so admission accepts exactly what
// the reconciler can work with: field types, ranges, enums, unknown fields, the name length its
// children need, and every setting (spec.settings) typed and ranged.

import { validateIngressController } from "../api/validate.js";
import type { AdmissionRequestLike } from "./request.js";
import { approve, verdict, type Verdict } from "./verdict.js";

export function validateIngressControllerRequest(req: AdmissionRequestLike): Verdict {
  if (req.operation !== "CREATE" && req.operation !== "UPDATE") return approve();
  const obj = req.object as { metadata?: { name?: string } } | undefined;
  if (!obj || typeof obj !== "object" || !obj.metadata) return verdict(["request.object: not an IngressController (no metadata)"], []);
  const r = validateIngressController(obj);
  return r.ok ? approve() : verdict(r.errors, []);
}
