// Self-signed certificates made with openssl: the one `openssl req` command of the repository
// (selfSignedArgs), and the default certificate nginx serves when no SNI name matches (and until
// certificates are pushed), made once per prefix and reused, so agent restarts do not change it.
// Local mode (webhook, demo) and the tests (src/testing/certs.ts) make theirs with the same args.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";

const run = promisify(execFile);

export const DEFAULT_CERT_CN = "Portico Default Certificate";

export interface PemPair {
  certificate: string;
  key: string;
}

export interface SelfSignedRequest {
  commonName: string;
  /** subjectAltName entries, e.g. DNS:shop.example or IP:127.0.0.1 (none when empty). */
  altNames?: string[];
  days: number;
  /** ec: P-256 (fast to make); rsa: 2048 bits. */
  keyType: "ec" | "rsa";
  keyFile: string;
  certFile: string;
}

/** The arguments of `openssl req` that write a self-signed certificate and its unencrypted key. */
export function selfSignedArgs(r: SelfSignedRequest): string[] {
  const key = r.keyType === "ec" ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] : ["-newkey", "rsa:2048"];
  const san = r.altNames?.length ? ["-addext", `subjectAltName=${r.altNames.join(",")}`] : [];
  return [
    "req",
    "-x509",
    ...key,
    "-nodes",
    "-sha256",
    "-days",
    String(r.days),
    "-subj",
    `/CN=${r.commonName}`,
    ...san,
    "-keyout",
    r.keyFile,
    "-out",
    r.certFile,
  ];
}

/** Returns <dir>/default.crt + default.key, generating them first if missing. */
export async function ensureDefaultCertificate(dir: string, openssl = "openssl"): Promise<PemPair> {
  const crt = join(dir, "default.crt");
  const key = join(dir, "default.key");
  if (!existsSync(crt) || !existsSync(key)) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await run(openssl, selfSignedArgs({ commonName: DEFAULT_CERT_CN, days: 3650, keyType: "rsa", keyFile: key, certFile: crt }));
  }
  return { certificate: await readFile(crt, "utf8"), key: await readFile(key, "utf8") };
}
