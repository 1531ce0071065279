// Hashes of desired-state parts, for sources that read raw parts (files) rather than a built state.
import { createHash } from "node:crypto";
import type { CertificatePair, DesiredState, UpstreamEndpoint } from "../core/contract.js";

/** JSON with object keys sorted at every level, so equal data always hashes the same. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Builds a DesiredState from its parts, computing the part hashes. */
export function desiredStateFromParts(
  config: string,
  endpoints: Record<string, UpstreamEndpoint[]>,
  sniCertificates: Record<string, string>,
  certificates: Record<string, CertificatePair>,
): DesiredState {
  const hashes = {
    config: sha256(config),
    endpoints: sha256(stableStringify(endpoints)),
    certificates: sha256(stableStringify({ sniCertificates, certificates })),
    all: "",
  };
  hashes.all = sha256(`${hashes.config}\n${hashes.endpoints}\n${hashes.certificates}`);
  return { config, endpoints, sniCertificates, certificates, hashes };
}
