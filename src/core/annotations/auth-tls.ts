// Client certificates (ingress-nginx's auth-tls-* family). nginx verifies client certificates per
// server (ssl_client_certificate, ssl_verify_client), so these settings hold for the whole host:
// the oldest Ingress of the host that sets auth-tls-secret decides them (model/processors/client-certs.ts).

import { parseBool, parseIntIn, show, validateMatchCn, validateRedirectUrl, VERIFY_CLIENT_MODES, type Result, type VerifyClientMode } from "../nginx-values.js";
import { parseSecretRef } from "./auth-basic.js";
import type { AnnotationValues } from "./types.js";
import { defineAnnotation } from "./types.js";

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(error: string): Result<T> => ({ ok: false, error });

export const authTlsSecret = defineAnnotation({
  key: "auth-tls-secret",
  field: "authTlsSecret",
  type: "string",
  scope: "ingress",
  risk: "medium",
  default: "",
  doc: "Secret (name, or namespace/name, also of another namespace: only `ca.crt` and `ca.crl` are read, unless the IngressController sets crossNamespaceCASecrets: false) whose `ca.crt` holds the CAs client certificates must chain to (optionally `ca.crl`, a PEM CRL: a revoked certificate gets 400). Any Secret type. Verification is per host: the oldest Ingress of the host that sets this decides for all its paths; a later Ingress asking for different verification answers 503. A missing or unusable Secret makes the Ingress's paths answer 503.",
  parse: parseSecretRef,
});

export const authTlsVerifyClient = defineAnnotation({
  key: "auth-tls-verify-client",
  field: "authTlsVerifyClient",
  type: "enum",
  scope: "ingress",
  risk: "medium",
  default: "on",
  doc: '"on" (a certificate from the CA is required; without one nginx answers 400), "optional" (verified when sent), "optional_no_ca" (requested, not verified: the backend checks it), "off". Hosts that ask for client certificates redirect plain HTTP to HTTPS.',
  parse: (raw, key) => {
    const v = raw.trim().toLowerCase();
    return (VERIFY_CLIENT_MODES as readonly string[]).includes(v)
      ? ok(v as VerifyClientMode)
      : fail(`${key}: ${show(raw)} must be on, off, optional or optional_no_ca`);
  },
});

export const authTlsVerifyDepth = defineAnnotation({
  key: "auth-tls-verify-depth",
  field: "authTlsVerifyDepth",
  type: "int",
  scope: "ingress",
  risk: "low",
  default: "1",
  doc: "Longest chain between the client certificate and a CA of auth-tls-secret (ssl_verify_depth), 0..20 (0 means 1, as ingress-nginx).",
  parse: (raw, key) => parseIntIn(raw, key, 0, 20),
});

export const authTlsErrorPage = defineAnnotation({
  key: "auth-tls-error-page",
  field: "authTlsErrorPage",
  type: "url",
  scope: "ingress",
  risk: "medium",
  default: "",
  doc: "Where a client whose certificate is missing or fails verification goes instead of nginx's 400 page: an http(s) URL (302 to it) or an absolute path of the host.",
  parse: (raw, key) => {
    const v = raw.trim();
    const err = validateRedirectUrl(v, key);
    return err ? fail(err) : ok(v);
  },
});

export const authTlsPassCertificateToUpstream = defineAnnotation({
  key: "auth-tls-pass-certificate-to-upstream",
  field: "authTlsPassCertificateToUpstream",
  type: "bool",
  scope: "ingress",
  risk: "low",
  default: "false",
  doc: "Send the client certificate (PEM, URL-escaped) to the backend in the `ssl-client-cert` header. The backend always gets `ssl-client-verify`, `ssl-client-subject-dn` and `ssl-client-issuer-dn` on a host with client certificates; a client's own `ssl-client-cert` header is removed when this is false.",
  parse: (raw, key) => parseBool(raw, key),
});

export const authTlsMatchCn = defineAnnotation({
  key: "auth-tls-match-cn",
  field: "authTlsMatchCn",
  type: "regex",
  scope: "ingress",
  risk: "high",
  default: "",
  doc: 'Regex the client certificate\'s subject DN (e.g. "CN=client,O=Org") must match, starting with "CN=" (e.g. "CN=(alice|bob)"); otherwise 403. Unanchored, as ingress-nginx; in the path regex grammar (no spaces: use "." for one).',
  parse: (raw, key) => {
    const v = raw.trim();
    const err = validateMatchCn(v, key);
    return err ? fail(err) : ok(v);
  },
});

export const AUTH_TLS_ANNOTATIONS = [
  authTlsSecret,
  authTlsVerifyClient,
  authTlsVerifyDepth,
  authTlsErrorPage,
  authTlsPassCertificateToUpstream,
  authTlsMatchCn,
];

/** auth-tls-* without auth-tls-secret: ingress-nginx ignores them, which would serve a host the
 * owner meant to protect without client certificates. Refused instead ("off" asks for nothing). */
export function authTlsCrossChecks(v: AnnotationValues): [string, string][] {
  if (v.authTlsSecret !== undefined) return [];
  const out: [string, string][] = [];
  const need = "needs auth-tls-secret (the Secret with the CA certificates, ca.crt); refused rather than serving the paths without client certificates";
  if (v.authTlsVerifyClient !== undefined && v.authTlsVerifyClient !== "off") out.push(["auth-tls-verify-client", need]);
  if (v.authTlsVerifyDepth !== undefined) out.push(["auth-tls-verify-depth", need]);
  if (v.authTlsErrorPage !== undefined) out.push(["auth-tls-error-page", need]);
  if (v.authTlsMatchCn !== undefined) out.push(["auth-tls-match-cn", need]);
  if (v.authTlsPassCertificateToUpstream === true) out.push(["auth-tls-pass-certificate-to-upstream", need]);
  return out;
}
