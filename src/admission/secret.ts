// Validation of a TLS Secret that one of our Ingresses uses: a create or update that would leave a
// served host without a working certificate is denied; a certificate that does not cover the hosts
// is a warning. Secrets nobody of ours references, and Secrets of other types, are approved untouched.

import type { Secret } from "../core/k8s-types.js";
import { groupOf } from "./classes.js";
import type { AdmissionContext } from "./context.js";
import type { AdmissionRequestLike } from "./request.js";
import { checkTlsSecret } from "./tls-material.js";
import { approve, verdict, type Verdict } from "./verdict.js";

export const TLS_SECRET_TYPE = "kubernetes.io/tls";

export interface SecretUse {
  /** namespace/name of each of our Ingresses referencing the Secret */
  ingresses: string[];
  hosts: string[];
}

/** Our Ingresses that use this Secret in spec.tls, and the hosts they serve with it. */
export function secretUse(namespace: string, name: string, ctx: AdmissionContext): SecretUse {
  const ingresses: string[] = [];
  const hosts = new Set<string>();
  for (const entry of ctx.index.referencing(`${namespace}/${name}`)) {
    if (groupOf(entry.ingress, ctx.classes) === undefined || entry.ingress.metadata.deletionTimestamp) continue;
    ingresses.push(entry.key);
    const ruleHosts = (entry.ingress.spec?.rules ?? []).map((r) => r.host ?? "").filter(Boolean);
    for (const tls of entry.ingress.spec?.tls ?? []) {
      if (tls.secretName !== name) continue;
      // An empty tls.hosts means every rule host (as core serves it).
      for (const h of tls.hosts?.length ? tls.hosts : ruleHosts) hosts.add(h.toLowerCase());
    }
  }
  return { ingresses: ingresses.sort(), hosts: [...hosts].sort() };
}

export function validateSecret(req: AdmissionRequestLike, ctx: AdmissionContext): Verdict {
  if (req.operation !== "CREATE" && req.operation !== "UPDATE") return approve();
  const secret = req.object as Secret | undefined;
  if (!secret || typeof secret !== "object" || !secret.metadata) return verdict(["request.object: not a Secret (no metadata)"], []);
  if (secret.type !== TLS_SECRET_TYPE) return approve();
  const ns = secret.metadata.namespace || req.namespace || "default";
  const use = secretUse(ns, secret.metadata.name, ctx);
  if (use.ingresses.length === 0) return approve();
  const used = `used by Ingress ${use.ingresses.map((k) => `"${k}"`).join(", ")}`;
  const found = checkTlsSecret(secret, use.hosts, ctx.now, `Secret "${ns}/${secret.metadata.name}" (${used})`);
  return verdict(found.errors, found.warnings);
}
