// TLS Secrets: kubernetes.io/tls (or Opaque) with a tls.crt and tls.key that src/core/tls-pair.ts
// accepts (PEM, the key belongs to the certificate).

import type { CertificatePair } from "../contract.js";
import type { Secret } from "../k8s-types.js";
import { parseTlsPair } from "../tls-pair.js";

export type CertificateCheck = { ok: true; id: string; pair: CertificatePair } | { ok: false; message: string };

export function checkTlsSecret(secret: Secret): CertificateCheck {
  const where = `Secret ${secret.metadata.namespace ?? ""}/${secret.metadata.name}`;
  if (secret.type !== undefined && secret.type !== "kubernetes.io/tls" && secret.type !== "Opaque") {
    return { ok: false, message: `${where}: type ${JSON.stringify(secret.type)} is not kubernetes.io/tls` };
  }
  const decode = (k: string) => {
    const b64 = secret.data?.[k];
    return b64 ? Buffer.from(b64, "base64").toString("utf8") : undefined;
  };
  const certificate = decode("tls.crt");
  const key = decode("tls.key");
  const pair = parseTlsPair(certificate, key);
  if (!pair.ok) return { ok: false, message: `${where}: ${pair.error}` };
  const id = `${secret.metadata.namespace ?? ""}-${secret.metadata.name}-${pair.digest.slice(0, 12)}`;
  return { ok: true, id, pair: { certificate: certificate!, key: key! } };
}
