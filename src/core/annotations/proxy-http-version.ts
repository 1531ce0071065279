import { show } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const proxyHttpVersion = defineAnnotation({
  key: "proxy-http-version",
  field: "proxyHttpVersion",
  type: "enum",
  scope: "location",
  risk: "low",
  default: "1.1",
  doc: 'HTTP version spoken to the backend: "1.0" or "1.1" (1.0 disables backend keep-alive).',
  parse: (raw, key) => {
    const v = raw.trim();
    return v === "1.0" || v === "1.1" ? { ok: true, value: v } : { ok: false, error: `${key}: ${show(raw)} must be "1.0" or "1.1"` };
  },
});
