// TLS to HTTPS/GRPCS backends: verification (against the CA of proxy-ssl-secret, else the image's
// CA bundle), SNI, protocols, ciphers, and a client certificate from proxy-ssl-secret. Per location,
// as ingress-nginx's proxy-ssl-location-only (it also copies the oldest Ingress's to the host).
import { parseIntIn, parseOnOff, show, validateHost } from "../nginx-values.js";
import { parseSecretRef } from "./auth-basic.js";
import { defineAnnotation } from "./types.js";

export const proxySslSecret = defineAnnotation({
  key: "proxy-ssl-secret",
  field: "proxySslSecret",
  type: "string",
  scope: "location",
  risk: "medium",
  default: "",
  doc: "Secret (name, or namespace/name in the Ingress's own namespace) with `ca.crt` (the CAs proxy-ssl-verify trusts) and/or `tls.crt` + `tls.key` (the client certificate nginx presents to the backend). A missing or unusable Secret makes the paths answer 503.",
  parse: parseSecretRef,
});

export const proxySslVerify = defineAnnotation({
  key: "proxy-ssl-verify",
  field: "proxySslVerify",
  type: "on/off",
  scope: "location",
  risk: "medium",
  default: "off",
  doc: 'Verify the backend certificate: "off", or "on" against the `ca.crt` of proxy-ssl-secret (the image\'s CA bundle without one). A failed verification answers 502.',
  parse: (raw, key) => parseOnOff(raw, key),
});

export const proxySslVerifyDepth = defineAnnotation({
  key: "proxy-ssl-verify-depth",
  field: "proxySslVerifyDepth",
  type: "int",
  scope: "location",
  risk: "low",
  default: "1",
  doc: "Verification depth of the backend certificate chain (proxy_ssl_verify_depth), 1..10.",
  parse: (raw, key) => parseIntIn(raw, key, 1, 10),
});

export const proxySslName = defineAnnotation({
  key: "proxy-ssl-name",
  field: "proxySslName",
  type: "host",
  scope: "location",
  risk: "low",
  default: "the upstream name",
  doc: "Name the backend certificate is verified against, and sent as SNI with proxy-ssl-server-name (proxy_ssl_name).",
  parse: (raw, key) => {
    const v = raw.trim().toLowerCase();
    const err = validateHost(v, key);
    return err ? { ok: false, error: err } : { ok: true, value: v };
  },
});

export const proxySslServerName = defineAnnotation({
  key: "proxy-ssl-server-name",
  field: "proxySslServerName",
  type: "on/off",
  scope: "location",
  risk: "low",
  default: "off",
  doc: 'Send SNI (proxy-ssl-name) to the backend: "on" or "off".',
  parse: (raw, key) => parseOnOff(raw, key),
});

const PROTOCOLS = ["TLSv1.2", "TLSv1.3"];
export const proxySslProtocols = defineAnnotation({
  key: "proxy-ssl-protocols",
  field: "proxySslProtocols",
  type: "list",
  scope: "location",
  risk: "low",
  default: "TLSv1.2 TLSv1.3",
  doc: "TLS versions offered to the backend, space-separated: TLSv1.2, TLSv1.3.",
  parse: (raw, key) => {
    const v = raw.trim().split(/\s+/).filter(Boolean);
    const bad = v.find((p) => !PROTOCOLS.includes(p));
    if (bad !== undefined || v.length === 0) return { ok: false, error: `${key}: ${show(bad ?? raw)} must be TLSv1.2 or TLSv1.3` };
    return { ok: true, value: [...new Set(v)] };
  },
});

export const proxySslCiphers = defineAnnotation({
  key: "proxy-ssl-ciphers",
  field: "proxySslCiphers",
  type: "string",
  scope: "location",
  risk: "low",
  default: "DEFAULT",
  doc: "OpenSSL cipher list offered to the backend (proxy_ssl_ciphers), e.g. HIGH:!aNULL:!MD5.",
  parse: (raw, key) => {
    const v = raw.trim();
    return /^[A-Za-z0-9!+:@_.=-]{1,512}$/.test(v) ? { ok: true, value: v } : { ok: false, error: `${key}: ${show(raw)} is not an OpenSSL cipher list` };
  },
});
