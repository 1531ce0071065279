// Certificate material that annotations name (auth-tls-secret, proxy-ssl-secret), checked and turned
// into files beside nginx.conf (Model.files, written by the agent into conf/<hash>/files/). Only the
// PEM blocks are kept (anything else in the Secret's value is dropped), and each file name carries a
// digest of its content, so a rotated CA is a config change that `nginx -t` checks with the files in
// place. Of another namespace's Secret only CA data is read, for auth-tls-secret, unless the
// IngressController turns that off (tenancy); credentials come from the Ingress's own namespace.

import { X509Certificate, createHash } from "node:crypto";
import { splitSecretRef } from "../annotations/secret-refs.js";
import type { Secret } from "../k8s-types.js";
import { LIMITS } from "../limits.js";
import type { BuildContext } from "./context.js";
import { checkTlsSecret } from "./tls.js";

type Failure = { error: string };

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----/g;
const CRL_BLOCK = /-----BEGIN X509 CRL-----\r?\n[A-Za-z0-9+/=\r\n]+-----END X509 CRL-----/g;

// Parsing is the cost; results depend only on the content (memoised by digest, bounded).
const bundles = new Map<string, string | Failure>();
const MEMO_MAX = 5000;

const digestOf = (text: string) => createHash("sha256").update(text).digest("hex");
const decode = (v: string | undefined) => (v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8"));

/** The PEM certificates of a bundle, normalised, or why it is not one. */
function certificateBundle(text: string, key: string): string | Failure {
  const digest = digestOf(text);
  const known = bundles.get(digest);
  if (known !== undefined) return known;
  let verdict: string | Failure;
  const blocks = text.match(CERT_BLOCK) ?? [];
  if (!blocks.length) verdict = { error: `${key} holds no PEM certificate` };
  else {
    verdict = blocks.map((b) => b.replace(/\r/g, "")).join("\n") + "\n";
    for (const [i, b] of blocks.entries()) {
      try {
        new X509Certificate(b);
      } catch (e) {
        verdict = { error: `${key}: certificate ${i + 1} does not parse: ${(e as Error).message}` };
        break;
      }
    }
  }
  if (bundles.size >= MEMO_MAX) bundles.delete(bundles.keys().next().value!);
  bundles.set(digest, verdict);
  return verdict;
}

/** The Secret an annotation names, when it is in the Ingress's own namespace (or, for CA data
 * and when the IngressController allows it, another's) and exists. */
function ownSecret(ctx: BuildContext, ingressNamespace: string, ref: string, caOnly = false): Secret | Failure {
  const { namespace, name } = splitSecretRef(ref, ingressNamespace);
  if (namespace !== ingressNamespace) {
    if (!caOnly) return { error: `Secret ${ref} is in another namespace; an Ingress may only use Secrets of its own namespace` };
    if (ctx.snapshot.crossNamespaceCASecrets === false)
      return {
        error: `Secret ${ref} is in another namespace, and this IngressController reads CA Secrets of the Ingress's own namespace only (spec.crossNamespaceCASecrets: false)`,
      };
  }
  return ctx.secret(namespace, name) ?? { error: `Secret ${namespace}/${name} not found` };
}

function textOf(secret: Secret, key: string): string | undefined | Failure {
  const text = decode(secret.data?.[key]);
  if (text !== undefined && text.length > LIMITS.pemBytes) return { error: `${key} is larger than ${LIMITS.pemBytes} bytes` };
  return text;
}

const where = (s: Secret) => `Secret ${s.metadata.namespace ?? ""}/${s.metadata.name}`;

/** Registers a file beside nginx.conf named `<kind>-<ns>-<name>-<digest>.<ext>`; returns its name. */
function fileOf(ctx: BuildContext, kind: string, secret: Secret, ext: string, content: string): string {
  const file = `${kind}-${secret.metadata.namespace ?? ""}-${secret.metadata.name}-${digestOf(content).slice(0, 12)}.${ext}`;
  ctx.files[file] = content;
  return file;
}

export interface ClientCaFiles {
  caFile: string;
  crlFile?: string;
}

/** auth-tls-secret: ca.crt (required) and ca.crl (optional) as files, or why they cannot be used. */
export function clientCaOf(ctx: BuildContext, ingressNamespace: string, ref: string): ClientCaFiles | Failure {
  const secret = ownSecret(ctx, ingressNamespace, ref, true);
  if ("error" in secret) return secret;
  const ca = textOf(secret, "ca.crt");
  if (ca === undefined) return { error: `${where(secret)} has no key ca.crt (the CA certificates client certificates must chain to)` };
  if (typeof ca !== "string") return { error: `${where(secret)}: ${ca.error}` };
  const bundle = certificateBundle(ca, "ca.crt");
  if (typeof bundle !== "string") return { error: `${where(secret)}: ${bundle.error}` };
  const out: ClientCaFiles = { caFile: fileOf(ctx, "client-ca", secret, "crt", bundle) };
  const crl = textOf(secret, "ca.crl");
  if (crl !== undefined) {
    if (typeof crl !== "string") return { error: `${where(secret)}: ${crl.error}` };
    const blocks = crl.match(CRL_BLOCK);
    if (!blocks) return { error: `${where(secret)}: ca.crl holds no PEM CRL (-----BEGIN X509 CRL-----)` };
    out.crlFile = fileOf(ctx, "client-crl", secret, "crl", blocks.map((b) => b.replace(/\r/g, "")).join("\n") + "\n");
  }
  return out;
}

export interface BackendTlsFiles {
  trustedCaFile?: string;
  certificateFile?: string;
  keyFile?: string;
}

/** proxy-ssl-secret: ca.crt (the CAs the backend's certificate is verified against) and/or a
 * client certificate tls.crt + tls.key, as files; or why they cannot be used. */
export function backendTlsOf(ctx: BuildContext, ingressNamespace: string, ref: string): BackendTlsFiles | Failure {
  const secret = ownSecret(ctx, ingressNamespace, ref);
  if ("error" in secret) return secret;
  const out: BackendTlsFiles = {};
  const ca = textOf(secret, "ca.crt");
  if (ca !== undefined) {
    if (typeof ca !== "string") return { error: `${where(secret)}: ${ca.error}` };
    const bundle = certificateBundle(ca, "ca.crt");
    if (typeof bundle !== "string") return { error: `${where(secret)}: ${bundle.error}` };
    out.trustedCaFile = fileOf(ctx, "backend-ca", secret, "crt", bundle);
  }
  if (secret.data?.["tls.crt"] !== undefined || secret.data?.["tls.key"] !== undefined) {
    const pair = checkTlsSecret(secret);
    if (!pair.ok) return { error: pair.message };
    out.certificateFile = fileOf(ctx, "backend-client", secret, "crt", pair.pair.certificate);
    out.keyFile = fileOf(ctx, "backend-client", secret, "key", pair.pair.key);
  }
  if (!out.trustedCaFile && !out.certificateFile) return { error: `${where(secret)} has neither ca.crt nor tls.crt and tls.key` };
  return out;
}
