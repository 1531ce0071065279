// Builds a DesiredState from raw parts (files on disk, tests) with the same hashes core computes.
import type { CertificatePair, DesiredState, UpstreamEndpoint } from "../core/contract.js";
import { hashesOf, sha256 } from "../core/build.js";

export { sha256 };

export function desiredStateFromParts(
  config: string,
  endpoints: Record<string, UpstreamEndpoint[]>,
  sniCertificates: Record<string, string>,
  certificates: Record<string, CertificatePair>,
): DesiredState {
  return { config, endpoints, sniCertificates, certificates, hashes: hashesOf(config, endpoints, sniCertificates, certificates) };
}
