// The default certificate nginx serves when no SNI name matches (and until certificates are pushed).
// Made once per prefix with openssl and reused, so agent restarts do not change it.
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

/** Returns <dir>/default.crt + default.key, generating them first if missing. */
export async function ensureDefaultCertificate(dir: string, openssl = "openssl"): Promise<PemPair> {
  const crt = join(dir, "default.crt");
  const key = join(dir, "default.key");
  if (!existsSync(crt) || !existsSync(key)) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await run(openssl, [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-sha256",
      "-days",
      "3650",
      "-subj",
      `/CN=${DEFAULT_CERT_CN}`,
      "-keyout",
      key,
      "-out",
      crt,
    ]);
  }
  return { certificate: await readFile(crt, "utf8"), key: await readFile(key, "utf8") };
}
