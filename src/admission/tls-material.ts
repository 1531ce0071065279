// Checks a TLS Secret's certificate and key: the pair as the build reads it (src/core/tls-pair.ts:
// present, PEM, the key belongs to the certificate), then what admission adds on top: the
// certificate is in its validity period, and (as warnings) it covers the hosts that will be served
// with it.

import type { Secret } from "../core/k8s-types.js";
import { parseTlsPair, type TlsPair } from "../core/tls-pair.js";

export interface TlsFindings {
  errors: string[];
  warnings: string[];
}

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

function covers(p: TlsPair & { ok: true }, host: string): boolean {
  const h = host.toLowerCase();
  if (h.startsWith("*.")) return p.sans.includes(h);
  return p.certificate.checkHost(h) !== undefined;
}

/**
 * @param field prefix for messages, e.g. `Secret "ns/name"` or `spec.tls[0].secretName: Secret "ns/name"`
 * @param hosts hosts served with this certificate (coverage is a warning)
 */
export function checkTlsSecret(secret: Secret, hosts: string[], now: Date, field: string): TlsFindings {
  const { crt, key } = tlsPair(secret);
  const p = parseTlsPair(crt, key);
  if (!p.ok) return { errors: [`${field}: ${p.error}`], warnings: [] };
  const errors: string[] = [];
  const warnings: string[] = [];
  const t = now.getTime();
  if (p.validTo < t) errors.push(`${field}: certificate expired on ${new Date(p.validTo).toISOString()}`);
  else if (p.validFrom > t) warnings.push(`${field}: certificate is not valid before ${new Date(p.validFrom).toISOString()}`);
  const uncovered = [...new Set(hosts)].filter((h) => !covers(p, h));
  if (uncovered.length) {
    warnings.push(`${field}: certificate does not cover ${uncovered.map((h) => JSON.stringify(h)).join(", ")} (its DNS names: ${p.sans.join(", ") || "none"})`);
  }
  return { errors, warnings };
}
