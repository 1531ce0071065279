// Builds a DesiredState from raw parts (files on disk, tests) with the same hashes core computes.
import type { CertificatePair, DesiredState, UpstreamBalancing, UpstreamEndpoint } from "../core/contract.js";
import { hashesOf, sha256 } from "../core/build.js";

export { sha256 };

export function desiredStateFromParts(
  config: string,
  endpoints: Record<string, UpstreamEndpoint[]>,
  sniCertificates: Record<string, string>,
  certificates: Record<string, CertificatePair>,
  extra: { balancing?: Record<string, UpstreamBalancing>; files?: Record<string, string> } = {},
): DesiredState {
  // balancing and files are present only when not empty, as core builds them.
  const balancing = extra.balancing && Object.keys(extra.balancing).length ? { balancing: extra.balancing } : {};
  const files = extra.files && Object.keys(extra.files).length ? { files: extra.files } : {};
  return {
    config,
    endpoints,
    ...balancing,
    sniCertificates,
    certificates,
    ...files,
    hashes: hashesOf(config, endpoints, sniCertificates, certificates, extra.balancing, extra.files),
  };
}
