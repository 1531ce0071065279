import { validateProxyRedirect } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const proxyRedirectFrom = defineAnnotation({
  key: "proxy-redirect-from",
  field: "proxyRedirectFrom",
  type: "url",
  scope: "location",
  risk: "low",
  default: "off",
  doc: 'Rewrite this prefix of backend Location and Refresh headers (proxy_redirect <from> <to>); needs proxy-redirect-to. "default" uses nginx\'s default rewrite.',
  parse: (raw, key) => {
    const v = raw.trim();
    if (v === "default" || v === "off") return { ok: true, value: v };
    const err = validateProxyRedirect(v, key, false);
    return err ? { ok: false, error: err } : { ok: true, value: v };
  },
});

export const proxyRedirectTo = defineAnnotation({
  key: "proxy-redirect-to",
  field: "proxyRedirectTo",
  type: "url",
  scope: "location",
  risk: "low",
  default: "",
  doc: "Replacement for proxy-redirect-from: an http(s) URL or path; may start with $scheme:// and use $host.",
  parse: (raw, key) => {
    const v = raw.trim();
    const err = validateProxyRedirect(v, key, true);
    return err ? { ok: false, error: err } : { ok: true, value: v };
  },
});
