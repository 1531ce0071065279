// Checks a TLS Secret's certificate and key: both present, PEM, the key belongs to the certificate,
// the certificate is in its validity period, and (as warnings) it covers the hosts that will be
// served with it. node:crypto only; key material never appears in a message.

import { X509Certificate, createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import type { Secret } from "../core/k8s-types.js";
import { LIMITS } from "./request.js";

export interface TlsFindings {
  errors: string[];
  warnings: string[];
}

/** Facts parsed from one certificate/key pair; cached because parsing costs ~0.1–1 ms. */
interface Parsed {
  error?: string;
  validFrom?: number;
  validTo?: number;
  validToText?: string;
  sans?: string[];
  cert?: X509Certificate;
}

const cache = new Map<string, Parsed>();
const CACHE_MAX = 2048;

/** Decodes data values (base64, as the API carries them); stringData wins, as the API server merges it. */
export function tlsPair(secret: Secret & { stringData?: Record<string, string> }): { crt?: string; key?: string } {
  const pick = (k: string): string | undefined => {
    const s = secret.stringData?.[k];
    if (typeof s === "string") return s;
    const d = secret.data?.[k];
    return typeof d === "string" ? Buffer.from(d, "base64").toString("utf8") : undefined;
  };
  return { crt: pick("tls.crt"), key: pick("tls.key") };
}

function spki(key: KeyObject): string {
  return key.export({ type: "spki", format: "der" }).toString("base64");
}

function parse(crt: string | undefined, key: string | undefined): Parsed {
  if (!crt || crt.trim() === "") return { error: "tls.crt is missing or empty" };
  if (!key || key.trim() === "") return { error: "tls.key is missing or empty" };
  if (crt.length > LIMITS.pemBytes || key.length > LIMITS.pemBytes) return { error: `tls.crt or tls.key is larger than ${LIMITS.pemBytes} bytes` };
  if (!crt.includes("-----BEGIN CERTIFICATE-----")) return { error: "tls.crt is not a PEM certificate (no BEGIN CERTIFICATE block)" };
  if (!/-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/.test(key)) return { error: "tls.key is not a PEM private key (no BEGIN PRIVATE KEY block)" };
  if (key.includes("ENCRYPTED")) return { error: "tls.key is encrypted; nginx needs an unencrypted key" };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(crt);
  } catch {
    return { error: "tls.crt does not parse as an X.509 certificate" };
  }
  let priv: KeyObject;
  try {
    priv = createPrivateKey({ key, format: "pem" });
  } catch {
    return { error: "tls.key does not parse as a private key" };
  }
  try {
    if (spki(createPublicKey(priv)) !== spki(cert.publicKey))
      return { error: "tls.key does not match the certificate in tls.crt (first certificate of the chain)" };
  } catch {
    return { error: "tls.key does not match the certificate in tls.crt" };
  }
  const sans = (cert.subjectAltName ?? "")
    .split(/,\s*/)
    .filter((s) => s.startsWith("DNS:"))
    .map((s) => s.slice(4).toLowerCase());
  return { validFrom: Date.parse(cert.validFrom), validTo: Date.parse(cert.validTo), validToText: new Date(cert.validTo).toISOString(), sans, cert };
}

// Keyed by content, never by resourceVersion: an UPDATE request carries the old resourceVersion
// with the new data.
function parsedCached(crt: string | undefined, key: string | undefined): Parsed {
  if (crt === undefined || key === undefined || crt.length > LIMITS.pemBytes || key.length > LIMITS.pemBytes) return parse(crt, key);
  const cacheKey = createHash("sha256").update(crt).update("\0").update(key).digest("base64");
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const p = parse(crt, key);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(cacheKey, p);
  return p;
}

function covers(p: Parsed, host: string): boolean {
  const h = host.toLowerCase();
  if (h.startsWith("*.")) return (p.sans ?? []).includes(h);
  return p.cert?.checkHost(h) !== undefined;
}

/**
 * @param field prefix for messages, e.g. `Secret "ns/name"` or `spec.tls[0].secretName: Secret "ns/name"`
 * @param hosts hosts served with this certificate (coverage is a warning)
 */
export function checkTlsSecret(secret: Secret, hosts: string[], now: Date, field: string): TlsFindings {
  const { crt, key } = tlsPair(secret);
  const p = parsedCached(crt, key);
  if (p.error) return { errors: [`${field}: ${p.error}`], warnings: [] };
  const errors: string[] = [];
  const warnings: string[] = [];
  const t = now.getTime();
  if (p.validTo! < t) errors.push(`${field}: certificate expired on ${p.validToText}`);
  else if (p.validFrom! > t) warnings.push(`${field}: certificate is not valid before ${new Date(p.validFrom!).toISOString()}`);
  const uncovered = [...new Set(hosts)].filter((h) => !covers(p, h));
  if (uncovered.length) {
    warnings.push(
      `${field}: certificate does not cover ${uncovered.map((h) => JSON.stringify(h)).join(", ")} (its DNS names: ${(p.sans ?? []).join(", ") || "none"})`,
    );
  }
  return { errors, warnings };
}
