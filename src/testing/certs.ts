// Self-signed certificates for TLS tests: the one maker (openssl, with the arguments of
// src/agent/default-cert.ts). Admission's tests that need chosen validity dates use
// src/admission/testing/certs.ts (in-process, node-forge).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { selfSignedArgs } from "../agent/default-cert.js";

export interface TestCertificate {
  certificate: string; // PEM
  key: string; // PEM
  /** SHA-256 fingerprint as node's tls peer certificate reports it (AA:BB:...). */
  fingerprint256: string;
}

/** A self-signed certificate for `names` (first is the CN; all are DNS SANs). EC P-256: fast to make. */
export function makeCertificate(names: string[], days = 30): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "portico-cert-"));
  try {
    execFileSync(
      "openssl",
      selfSignedArgs({
        commonName: names[0]!,
        altNames: names.map((n) => `DNS:${n}`),
        days,
        keyType: "ec",
        keyFile: join(dir, "k.pem"),
        certFile: join(dir, "c.pem"),
      }),
      { stdio: "pipe" },
    );
    const certificate = readFileSync(join(dir, "c.pem"), "utf8");
    const key = readFileSync(join(dir, "k.pem"), "utf8");
    return { certificate, key, fingerprint256: new X509Certificate(certificate).fingerprint256 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a certificate's PEM files into `dir` (for echo-server --tls). */
export function writeCertificateFiles(cert: TestCertificate, dir: string, base = "tls"): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${base}.crt`);
  const keyFile = join(dir, `${base}.key`);
  writeFileSync(certFile, cert.certificate);
  writeFileSync(keyFile, cert.key, { mode: 0o600 });
  return { certFile, keyFile };
}
