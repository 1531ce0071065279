import { parseIntIn, validateRedirectUrl, type Result } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const permanentRedirect = defineAnnotation({
  key: "permanent-redirect",
  field: "permanentRedirect",
  type: "url",
  scope: "location",
  risk: "medium",
  default: "",
  doc: "Answer every request of this Ingress's paths with a permanent redirect (301, see permanent-redirect-code) to this URL.",
  parse: (raw, key) => parseRedirectUrl(raw, key),
});

/** permanent-redirect and temporal-redirect: a URL without nginx variables or capture references. */
export function parseRedirectUrl(raw: string, key: string): Result<string> {
  const value = raw.trim();
  const err = validateRedirectUrl(value, key);
  if (!err) return { ok: true, value };
  // ingress-nginx's own annotation validation refuses '$' here too (its URL character set has none).
  return { ok: false, error: value.includes("$") ? `${err} (ingress-nginx refuses '$' in this annotation too)` : err };
}

export const permanentRedirectCode = defineAnnotation({
  key: "permanent-redirect-code",
  field: "permanentRedirectCode",
  type: "int",
  scope: "location",
  risk: "low",
  default: "301",
  doc: "Status code of permanent-redirect: 301, 302, 303, 307 or 308. ingress-nginx also takes 300, 304, 305 and 306, for which nginx sends the URL as the body and no Location header; Portico refuses those, and codes outside 300..308 (which ingress-nginx silently replaces with 301).",
  parse: (raw, key) => parseRedirectCode(raw, key, [301, 302, 303, 307, 308], "301"),
});

/** A redirect status nginx's `return` sends with a Location header, among `allowed`. */
export function parseRedirectCode(raw: string, key: string, allowed: number[], ingressNginxDefault: string): Result<number> {
  const r = parseIntIn(raw, key, 0, 999);
  if (!r.ok || allowed.includes(r.value)) return r;
  const list = allowed.join(", ");
  if ([300, 304, 305, 306].includes(r.value))
    return {
      ok: false,
      error: `${key}: ${r.value} must be one of ${list}: for ${r.value} nginx sends the URL as the body, with no Location header (so did ingress-nginx)`,
    };
  return { ok: false, error: `${key}: ${r.value} must be one of ${list} (ingress-nginx would silently answer ${ingressNginxDefault} instead)` };
}
