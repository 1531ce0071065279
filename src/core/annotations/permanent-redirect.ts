import { parseIntIn, validateRedirectUrl } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const permanentRedirect = defineAnnotation({
  key: "permanent-redirect",
  field: "permanentRedirect",
  type: "url",
  scope: "location",
  risk: "medium",
  default: "",
  doc: "Answer every request of this Ingress's paths with a permanent redirect (301, see permanent-redirect-code) to this URL.",
  parse: (raw, key) => {
    const value = raw.trim();
    const err = validateRedirectUrl(value, key);
    return err ? { ok: false, error: err } : { ok: true, value };
  },
});

export const permanentRedirectCode = defineAnnotation({
  key: "permanent-redirect-code",
  field: "permanentRedirectCode",
  type: "int",
  scope: "location",
  risk: "low",
  default: "301",
  doc: "Status code of permanent-redirect: 301, 302, 303, 307 or 308.",
  parse: (raw, key) => {
    const r = parseIntIn(raw, key, 300, 308);
    if (r.ok && ![301, 302, 303, 307, 308].includes(r.value)) return { ok: false, error: `${key}: ${r.value} must be one of 301, 302, 303, 307, 308` };
    return r;
  },
});
