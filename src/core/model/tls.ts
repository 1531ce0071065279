// TLS Secrets: kubernetes.io/tls with PEM tls.crt and tls.key whose key matches the certificate.

import { X509Certificate, createHash, createPrivateKey } from "node:crypto";
import type { CertificatePair } from "../contract.js";
import type { Secret } from "../k8s-types.js";
import { LIMITS } from "../limits.js";

export type CertificateCheck = { ok: true; id: string; pair: CertificatePair } | { ok: false; message: string };

// Parsing PEM is the costliest step of a build; results depend only on the content, so they are
// memoised by content hash (bounded). This keeps build() pure: same input, same output.
const cache = new Map<string, { ok: true } | { ok: false; message: string }>();
const CACHE_MAX = 20000;

export function checkTlsSecret(secret: Secret): CertificateCheck {
  const where = `Secret ${secret.metadata.namespace ?? ""}/${secret.metadata.name}`;
  if (secret.type !== undefined && secret.type !== "kubernetes.io/tls" && secret.type !== "Opaque") {
    return { ok: false, message: `${where}: type ${JSON.stringify(secret.type)} is not kubernetes.io/tls` };
  }
  const crtB64 = secret.data?.["tls.crt"];
  const keyB64 = secret.data?.["tls.key"];
  if (!crtB64 || !keyB64) return { ok: false, message: `${where}: data must contain tls.crt and tls.key` };
  const certificate = Buffer.from(crtB64, "base64").toString("utf8");
  const key = Buffer.from(keyB64, "base64").toString("utf8");
  if (certificate.length > LIMITS.pemBytes || key.length > LIMITS.pemBytes) {
    return { ok: false, message: `${where}: tls.crt or tls.key is larger than ${LIMITS.pemBytes} bytes` };
  }
  const digest = createHash("sha256").update(certificate).update("\0").update(key).digest("hex");
  let verdict = cache.get(digest);
  if (!verdict) {
    verdict = verify(certificate, key);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(digest, verdict);
  }
  if (!verdict.ok) return { ok: false, message: `${where}: ${verdict.message}` };
  const id = `${secret.metadata.namespace ?? ""}-${secret.metadata.name}-${digest.slice(0, 12)}`;
  return { ok: true, id, pair: { certificate, key } };
}

function verify(certificate: string, key: string): { ok: true } | { ok: false; message: string } {
  if (!certificate.includes("-----BEGIN CERTIFICATE-----")) return { ok: false, message: "tls.crt is not a PEM certificate" };
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) return { ok: false, message: "tls.key is not a PEM private key" };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificate);
  } catch (e) {
    return { ok: false, message: `tls.crt does not parse: ${(e as Error).message}` };
  }
  try {
    const k = createPrivateKey(key);
    if (!cert.checkPrivateKey(k)) return { ok: false, message: "tls.key does not match the certificate in tls.crt" };
  } catch (e) {
    return { ok: false, message: `tls.key does not parse: ${(e as Error).message}` };
  }
  return { ok: true };
}
