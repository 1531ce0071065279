// Validation of an IngressController: the operator's ajv validator, compiled from the one schema
// source (src/operator/schema.ts) that also generates the CRD, so admission accepts exactly what
// the reconciler can work with. Settings are typed and ranged there (spec.settings).

import { MAX_NAME_LENGTH } from "../operator/schema.js";
import { validateIngressController } from "../operator/validate.js";
import type { AdmissionRequestLike } from "./request.js";
import { approve, verdict, type Verdict } from "./verdict.js";

export function validateIngressControllerRequest(req: AdmissionRequestLike): Verdict {
  if (req.operation !== "CREATE" && req.operation !== "UPDATE") return approve();
  const obj = req.object as { metadata?: { name?: string } } | undefined;
  if (!obj || typeof obj !== "object" || !obj.metadata) return verdict(["request.object: not an IngressController (no metadata)"], []);
  const reasons: string[] = [];
  const name = obj.metadata.name ?? "";
  if (name.length > MAX_NAME_LENGTH) {
    reasons.push(`metadata.name: ${JSON.stringify(name)} is longer than ${MAX_NAME_LENGTH} characters (its child objects' names must stay valid Service names)`);
  }
  const r = validateIngressController(obj);
  if (!r.ok) reasons.push(...r.errors);
  return verdict(reasons, []);
}
