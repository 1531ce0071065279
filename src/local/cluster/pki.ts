// Certificates and keys for a local cluster, made with the openssl CLI (EC P-256: fast to generate,
// accepted by every Kubernetes component). Also used by tests for webhook servers with IP SANs.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runOk } from "./exec.js";

export interface CertFiles {
  cert: string;
  key: string;
}

export interface CertRequest {
  /** File name stem: `<name>.crt` and `<name>.key` in `dir`. */
  name: string;
  commonName: string;
  organizations?: string[];
  ips?: string[];
  dnsNames?: string[];
  /** server, client or both (default both). */
  usage?: "server" | "client" | "both";
  days?: number;
}

const curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** openssl config for one certificate; pure so its escaping can be tested. */
export function opensslConfig(req: CertRequest & { ca?: boolean }): string {
  const safe = (v: string, field: string): string => {
    if (!/^[A-Za-z0-9:._@ -]+$/.test(v)) throw new Error(`pki: ${field} ${JSON.stringify(v)} has characters outside [A-Za-z0-9:._@ -]`);
    return v;
  };
  const dn = [`CN = ${safe(req.commonName, "commonName")}`];
  (req.organizations ?? []).forEach((o, i) => dn.push(`${i}.O = ${safe(o, "organization")}`));
  const ext = req.ca
    ? ["basicConstraints = critical,CA:TRUE", "keyUsage = critical,digitalSignature,keyCertSign,cRLSign", "subjectKeyIdentifier = hash"]
    : [
        "basicConstraints = critical,CA:FALSE",
        "keyUsage = critical,digitalSignature,keyEncipherment",
        `extendedKeyUsage = ${{ server: "serverAuth", client: "clientAuth", both: "serverAuth,clientAuth" }[req.usage ?? "both"]}`,
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid",
      ];
  const sans = [...(req.ips ?? []).map((ip) => `IP:${safe(ip, "ip")}`), ...(req.dnsNames ?? []).map((d) => `DNS:${safe(d, "dnsName")}`)];
  if (sans.length) ext.push(`subjectAltName = ${sans.join(",")}`);
  return ["[req]", "distinguished_name = dn", "prompt = no", "x509_extensions = ext", "[dn]", ...dn, "[ext]", ...ext, ""].join("\n");
}

/** A self-signed CA in `dir` (`<name>.crt`, `<name>.key`). */
export async function createCA(dir: string, name = "ca", commonName = "portico-local-ca"): Promise<CertFiles> {
  mkdirSync(dir, { recursive: true });
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const cnf = join(dir, `${name}.cnf`);
  writeFileSync(cnf, opensslConfig({ name, commonName, ca: true }));
  await runOk("creating the CA", "openssl", ["req", "-x509", "-config", cnf, ...curve, "-keyout", files.key, "-out", files.cert, "-days", "3650"]);
  return files;
}

/** A leaf certificate signed by `ca`, written to `dir`. */
export async function issueCert(ca: CertFiles, dir: string, req: CertRequest): Promise<CertFiles> {
  mkdirSync(dir, { recursive: true });
  const files = { cert: join(dir, `${req.name}.crt`), key: join(dir, `${req.name}.key`) };
  const cnf = join(dir, `${req.name}.cnf`);
  writeFileSync(cnf, opensslConfig(req));
  await runOk(`issuing the ${req.name} certificate`, "openssl", [
    "req",
    "-x509",
    "-config",
    cnf,
    ...curve,
    "-keyout",
    files.key,
    "-out",
    files.cert,
    "-days",
    String(req.days ?? 365),
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
  ]);
  return files;
}

/** A key pair for signing service-account tokens: `<name>.key` (private) and `<name>.pub`. */
export async function createKeyPair(dir: string, name = "sa"): Promise<{ privateKey: string; publicKey: string }> {
  mkdirSync(dir, { recursive: true });
  const privateKey = join(dir, `${name}.key`);
  const publicKey = join(dir, `${name}.pub`);
  await runOk("creating the service-account key", "openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", privateKey]);
  await runOk("writing the service-account public key", "openssl", ["pkey", "-in", privateKey, "-pubout", "-out", publicKey]);
  return { privateKey, publicKey };
}

/** Convenience for tests: a throwaway CA plus a serving certificate for the given IPs, as PEM strings. */
export async function servingCertificate(
  dir: string,
  opts: { ips?: string[]; dnsNames?: string[]; commonName?: string } = {},
): Promise<{ caPem: string; certPem: string; keyPem: string; files: CertFiles & { ca: string } }> {
  const ca = await createCA(dir, "serving-ca", "portico-test-ca");
  const leaf = await issueCert(ca, dir, {
    name: "serving",
    commonName: opts.commonName ?? "portico-test-server",
    ips: opts.ips ?? ["127.0.0.1"],
    dnsNames: opts.dnsNames ?? ["localhost"],
    usage: "server",
  });
  return {
    caPem: readFileSync(ca.cert, "utf8"),
    certPem: readFileSync(leaf.cert, "utf8"),
    keyPem: readFileSync(leaf.key, "utf8"),
    files: { ...leaf, ca: ca.cert },
  };
}
