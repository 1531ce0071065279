import { show } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const satisfy = defineAnnotation({
  key: "satisfy",
  field: "satisfy",
  type: "enum",
  scope: "location",
  risk: "low",
  default: "all",
  doc: 'With authentication and an address allowlist both set: "all" requires both, "any" lets either admit the client.',
  parse: (raw, key) => {
    const v = raw.trim();
    return v === "all" || v === "any" ? { ok: true, value: v } : { ok: false, error: `${key}: ${show(raw)} must be "all" or "any"` };
  },
});
