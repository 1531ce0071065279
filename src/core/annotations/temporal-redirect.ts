import { validateRedirectUrl } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const temporalRedirect = defineAnnotation({
  key: "temporal-redirect",
  field: "temporalRedirect",
  type: "url",
  scope: "location",
  risk: "medium",
  default: "",
  doc: "Answer every request of this Ingress's paths with a 302 redirect to this URL (permanent-redirect wins if both are set).",
  parse: (raw, key) => {
    const value = raw.trim();
    const err = validateRedirectUrl(value, key);
    return err ? { ok: false, error: err } : { ok: true, value };
  },
});
