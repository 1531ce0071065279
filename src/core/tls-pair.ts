// The one TLS pair parser: a PEM certificate and private key in, the facts of the pair or the
// reason it cannot be served out. The build (model/tls.ts) drops a pair with an error; admission
// (admission/tls-material.ts) adds its expiry and host-coverage findings on top. node:crypto
// only; key material never appears in a message.

import { X509Certificate, createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { LIMITS } from "./limits.js";

export type TlsPair =
  | { ok: false; error: string }
  | {
      ok: true;
      /** sha256 (hex) of certificate and key: names the pair by content. */
      digest: string;
      validFrom: number;
      validTo: number;
      /** DNS subject alternative names, lower case. */
      sans: string[];
      certificate: X509Certificate;
    };

// Parsing costs ~0.1-1 ms and is the costliest step of a build: results are memoised by content
// (never by resourceVersion: an admission UPDATE carries the old resourceVersion with new data),
// bounded, oldest dropped first. Same content in, same verdict out, so callers stay pure.
const cache = new Map<string, TlsPair>();
const CACHE_MAX = 20000;

export function parseTlsPair(crt: string | undefined, key: string | undefined): TlsPair {
  if (!crt || crt.trim() === "") return { ok: false, error: "tls.crt is missing or empty" };
  if (!key || key.trim() === "") return { ok: false, error: "tls.key is missing or empty" };
  if (crt.length > LIMITS.pemBytes || key.length > LIMITS.pemBytes) return { ok: false, error: `tls.crt or tls.key is larger than ${LIMITS.pemBytes} bytes` };
  const digest = createHash("sha256").update(crt).update("\0").update(key).digest("hex");
  const hit = cache.get(digest);
  if (hit) return hit;
  const parsed = parse(crt, key, digest);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(digest, parsed);
  return parsed;
}

function spki(key: KeyObject): string {
  return key.export({ type: "spki", format: "der" }).toString("base64");
}

function parse(crt: string, key: string, digest: string): TlsPair {
  const fail = (error: string): TlsPair => ({ ok: false, error });
  if (!crt.includes("-----BEGIN CERTIFICATE-----")) return fail("tls.crt is not a PEM certificate (no BEGIN CERTIFICATE block)");
  if (!/-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/.test(key)) return fail("tls.key is not a PEM private key (no BEGIN PRIVATE KEY block)");
  if (key.includes("ENCRYPTED")) return fail("tls.key is encrypted; nginx needs an unencrypted key");
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(crt);
  } catch {
    return fail("tls.crt does not parse as an X.509 certificate");
  }
  let priv: KeyObject;
  try {
    priv = createPrivateKey({ key, format: "pem" });
  } catch {
    return fail("tls.key does not parse as a private key");
  }
  try {
    if (spki(createPublicKey(priv)) !== spki(certificate.publicKey))
      return fail("tls.key does not match the certificate in tls.crt (first certificate of the chain)");
  } catch {
    return fail("tls.key does not match the certificate in tls.crt");
  }
  const sans = (certificate.subjectAltName ?? "")
    .split(/,\s*/)
    .filter((s) => s.startsWith("DNS:"))
    .map((s) => s.slice(4).toLowerCase());
  return { ok: true, digest, validFrom: Date.parse(certificate.validFrom), validTo: Date.parse(certificate.validTo), sans, certificate };
}
