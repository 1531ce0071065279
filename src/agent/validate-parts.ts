// Shape checks of endpoints and certificates read from outside (files), with errors naming the field.
import type { CertificatePair, UpstreamEndpoint } from "../core/contract.js";

export function validateEndpointsPart(v: unknown, where: string): Record<string, UpstreamEndpoint[]> {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error(`${where}: must be an object of upstream -> [{address, port}]`);
  for (const [name, list] of Object.entries(v)) {
    if (!Array.isArray(list)) throw new Error(`${where}: ${name}: must be an array`);
    list.forEach((e: unknown, i) => {
      const ep = e as UpstreamEndpoint;
      if (!ep || typeof ep.address !== "string" || !/^[0-9a-fA-F:.]+$/.test(ep.address))
        throw new Error(`${where}: ${name}[${i}].address: must be an IP literal`);
      if (!Number.isInteger(ep.port) || ep.port < 1 || ep.port > 65535) throw new Error(`${where}: ${name}[${i}].port: must be an integer 1-65535`);
    });
  }
  return v as Record<string, UpstreamEndpoint[]>;
}

export function validateCertificatesPart(
  v: unknown,
  where: string,
): { sniCertificates: Record<string, string>; certificates: Record<string, CertificatePair> } {
  const o = v as { sniCertificates?: Record<string, unknown>; certificates?: Record<string, unknown> };
  if (!o || typeof o !== "object") throw new Error(`${where}: must be an object {sniCertificates, certificates}`);
  const sni = o.sniCertificates ?? {};
  const certs = o.certificates ?? {};
  for (const [host, id] of Object.entries(sni)) {
    if (typeof id !== "string" || !(id in certs)) throw new Error(`${where}: sniCertificates["${host}"]: unknown certificate id ${JSON.stringify(id)}`);
  }
  for (const [id, p] of Object.entries(certs)) {
    const pair = p as CertificatePair;
    if (!pair || typeof pair.certificate !== "string" || typeof pair.key !== "string") {
      throw new Error(`${where}: certificates["${id}"]: needs string fields certificate and key`);
    }
  }
  return { sniCertificates: sni as Record<string, string>, certificates: certs as Record<string, CertificatePair> };
}
