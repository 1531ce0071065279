// Who writes which IngressController status field. The agent (the data plane's token) may write
// only its own; everything else, status.publishedAddress included, belongs to the reconciler and
// the controller. Enforced in the API server by a ValidatingAdmissionPolicy (the chart's
// templates/portico/status-policy.yaml, generated from this list by scripts/gen/status-policy.ts):
// RBAC can grant `patch ingresscontrollers/status` but not per field.
import { statusSchema } from "./schema.js";

export const AGENT_STATUS_FIELDS = ["appliedConfigHash", "reloads", "lastError", "refusedConfig"] as const;

/** Status fields the data plane must leave as they are. */
export function nonAgentStatusFields(): string[] {
  return Object.keys(statusSchema.properties).filter((f) => !(AGENT_STATUS_FIELDS as readonly string[]).includes(f));
}
