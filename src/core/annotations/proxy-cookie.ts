import { show, validateCookieDomain, validatePlainPath, type Result } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

function pair(raw: string, key: string, check: (v: string) => string | undefined): Result<[string, string]> {
  const parts = raw.trim().split(/\s+/);
  if (parts.length !== 2) return { ok: false, error: `${key}: ${show(raw)} must be "<from> <to>"` };
  for (const p of parts) {
    const err = check(p);
    if (err) return { ok: false, error: err };
  }
  return { ok: true, value: [parts[0]!, parts[1]!] };
}

export const proxyCookieDomain = defineAnnotation({
  key: "proxy-cookie-domain",
  field: "proxyCookieDomain",
  type: "string",
  scope: "location",
  risk: "low",
  default: "off",
  doc: 'Rewrite the domain of backend Set-Cookie headers (proxy_cookie_domain): "<from> <to>", e.g. "backend.local example.com".',
  parse: (raw, key) => pair(raw, key, (v) => validateCookieDomain(v, key)),
});

export const proxyCookiePath = defineAnnotation({
  key: "proxy-cookie-path",
  field: "proxyCookiePath",
  type: "string",
  scope: "location",
  risk: "low",
  default: "off",
  doc: 'Rewrite the path of backend Set-Cookie headers (proxy_cookie_path): "<from> <to>", e.g. "/ /app".',
  parse: (raw, key) => pair(raw, key, (v) => (v === "/" ? undefined : validatePlainPath(v, key))),
});
