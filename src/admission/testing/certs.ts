// Test fixtures: self-signed certificates with chosen names and validity, made in-process
// (node:crypto key, node-forge certificate, since node cannot issue certificates). Test-only.

import { generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const forge = createRequire(import.meta.url)("node-forge") as any;

export interface TestCert {
  crt: string;
  key: string;
}

export interface CertOptions {
  dnsNames: string[];
  notBefore?: Date;
  notAfter?: Date;
}

let keyCache: { pkcs1: string; pkcs8: string } | undefined;
function keyPair(fresh: boolean): { pkcs1: string; pkcs8: string } {
  if (keyCache && !fresh) return keyCache;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const k = {
    pkcs1: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    pkcs8: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
  if (!fresh) keyCache = k;
  return k;
}

/** A self-signed certificate. `freshKey` makes a key pair of its own (for key-mismatch cases). */
export function makeCert(opts: CertOptions, freshKey = false): TestCert {
  const k = keyPair(freshKey);
  const priv = forge.pki.privateKeyFromPem(k.pkcs1);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(priv.n, priv.e);
  cert.serialNumber = "01" + Math.floor(Math.random() * 1e12).toString(16);
  cert.validity.notBefore = opts.notBefore ?? new Date(Date.now() - 3600_000);
  cert.validity.notAfter = opts.notAfter ?? new Date(Date.now() + 365 * 86400_000);
  const subject = [{ name: "commonName", value: opts.dnsNames[0] ?? "test" }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: "subjectAltName", altNames: opts.dnsNames.map((value) => ({ type: 2, value })) }]);
  cert.sign(priv, forge.md.sha256.create());
  return { crt: forge.pki.certificateToPem(cert), key: k.pkcs8 };
}

export const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

/** A kubernetes.io/tls Secret as the API returns it (data base64-encoded). */
export function tlsSecret(namespace: string, name: string, pair: Partial<TestCert>, extra: { resourceVersion?: string; uid?: string } = {}) {
  const data: Record<string, string> = {};
  if (pair.crt !== undefined) data["tls.crt"] = b64(pair.crt);
  if (pair.key !== undefined) data["tls.key"] = b64(pair.key);
  return { apiVersion: "v1", kind: "Secret", type: "kubernetes.io/tls", metadata: { namespace, name, ...extra }, data };
}
