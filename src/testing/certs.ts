// Certificates for TLS tests: the one maker of self-signed ones (openssl, with the arguments of
// src/agent/default-cert.ts). Admission's tests that need chosen validity dates use
// src/admission/testing/certs.ts (in-process, node-forge).
// makeCa / issueCertificate make a CA and the client and server certificates it signs.
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

/** A CA (EC P-256, basicConstraints CA:TRUE) that issueCertificate signs with. */
export function makeCa(commonName: string, days = 30): TestCertificate {
  return withDir((dir) => {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        join(dir, "k.pem"),
        "-out",
        join(dir, "c.pem"),
        "-days",
        String(days),
        "-subj",
        `/CN=${commonName}`,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
      ],
      { stdio: "pipe" },
    );
    return loaded(dir);
  });
}

/** A certificate signed by `ca`: a client certificate (CN `commonName`, extendedKeyUsage
 * clientAuth) or a server one (DNS SANs `names`, serverAuth). */
export function issueCertificate(ca: TestCertificate, o: { commonName: string; usage: "client" | "server"; names?: string[]; days?: number }): TestCertificate {
  return withDir((dir) => {
    writeFileSync(join(dir, "ca.pem"), ca.certificate);
    writeFileSync(join(dir, "ca.key"), ca.key, { mode: 0o600 });
    const ext = [
      "basicConstraints=CA:FALSE",
      `extendedKeyUsage=${o.usage === "client" ? "clientAuth" : "serverAuth"}`,
      ...(o.usage === "server" ? [`subjectAltName=${(o.names ?? [o.commonName]).map((n) => `DNS:${n}`).join(",")}`] : []),
    ];
    writeFileSync(join(dir, "ext.cnf"), ext.join("\n") + "\n");
    const run = (args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
    run([
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      join(dir, "k.pem"),
      "-out",
      join(dir, "r.csr"),
      "-subj",
      `/CN=${o.commonName}`,
    ]);
    run([
      "x509",
      "-req",
      "-in",
      join(dir, "r.csr"),
      "-CA",
      join(dir, "ca.pem"),
      "-CAkey",
      join(dir, "ca.key"),
      "-CAcreateserial",
      "-out",
      join(dir, "c.pem"),
      "-days",
      String(o.days ?? 30),
      "-extfile",
      join(dir, "ext.cnf"),
    ]);
    return loaded(dir);
  });
}

function withDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "portico-cert-"));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function loaded(dir: string): TestCertificate {
  const certificate = readFileSync(join(dir, "c.pem"), "utf8");
  const key = readFileSync(join(dir, "k.pem"), "utf8");
  return { certificate, key, fingerprint256: new X509Certificate(certificate).fingerprint256 };
}

/** A CRL (PEM) signed by `ca` that revokes `revoked` (openssl ca -revoke, then -gencrl). */
export function makeCrl(ca: TestCertificate, revoked: TestCertificate[], days = 30): string {
  return withDir((dir) => {
    writeFileSync(join(dir, "ca.pem"), ca.certificate);
    writeFileSync(join(dir, "ca.key"), ca.key, { mode: 0o600 });
    writeFileSync(join(dir, "index.txt"), "");
    writeFileSync(join(dir, "crlnumber"), "01\n");
    const cnf = join(dir, "ca.cnf");
    writeFileSync(
      cnf,
      `[ca]\ndefault_ca = d\n[d]\ndatabase = ${join(dir, "index.txt")}\ncrlnumber = ${join(dir, "crlnumber")}\ndefault_md = sha256\ndefault_crl_days = ${days}\n`,
    );
    const ca_ = ["-config", cnf, "-keyfile", join(dir, "ca.key"), "-cert", join(dir, "ca.pem")];
    revoked.forEach((c, i) => {
      writeFileSync(join(dir, `r${i}.pem`), c.certificate);
      execFileSync("openssl", ["ca", ...ca_, "-revoke", join(dir, `r${i}.pem`)], { stdio: "pipe" });
    });
    execFileSync("openssl", ["ca", ...ca_, "-gencrl", "-out", join(dir, "crl.pem")], { stdio: "pipe" });
    return readFileSync(join(dir, "crl.pem"), "utf8");
  });
}
