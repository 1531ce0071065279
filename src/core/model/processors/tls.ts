// TLS: hosts listed in spec.tls (all rule hosts when the list is empty), certificate by SNI. The
// first usable claim of a host (oldest Ingress) picks its certificate; spec.defaultTLSSecret
// replaces the generated default certificate.

import { normalizeHost, validateHost } from "../../nginx-values.js";
import { checkTlsSecret } from "../tls.js";
import { foreignOwner, ownedBy } from "./ownership.js";
import type { Processor, TlsClaim } from "./types.js";

/** Key under which the default certificate override (spec.defaultTLSSecret) appears in sniCertificates. */
export const DEFAULT_SNI_KEY = "*";

export const tlsProcessor: Processor = {
  name: "tls",
  process(ctx, work) {
    const ing = work.ingress;
    const entries = ing.spec?.tls ?? [];
    if (!entries.length) return;
    const ruleHosts = (ing.spec?.rules ?? []).flatMap((r) => (r.host && !validateHost(r.host) ? [normalizeHost(r.host)] : []));
    entries.forEach((tls, ti) => {
      const listed: string[] = [];
      (tls.hosts?.length ? tls.hosts : ruleHosts).forEach((raw, hi) => {
        const err = validateHost(raw, `spec.tls[${ti}].hosts[${hi}]`);
        if (err) return ctx.report(ing, "HostInvalid", `${err}; TLS host ignored`);
        const host = normalizeHost(raw);
        const owner = foreignOwner(ctx, host, work.namespace);
        if (owner) ctx.report(ing, "HostNotOwned", `spec.tls[${ti}].hosts[${hi}]: ${ownedBy(host, owner)}; TLS host ignored`);
        else listed.push(host);
      });
      if (listed.length === 0) return;
      const claim: TlsClaim = { hosts: listed };
      const name = tls.secretName;
      const hosts = listed.join(", ");
      if (!name) {
        ctx.report(ing, "TLSSecretNotFound", `spec.tls[${ti}].secretName is empty; hosts ${hosts} use the default certificate`);
      } else {
        const secret = ctx.secret(work.namespace, name);
        if (!secret) {
          ctx.report(ing, "TLSSecretNotFound", `spec.tls[${ti}]: Secret ${work.namespace}/${name} not found; hosts ${hosts} use the default certificate`);
        } else {
          const check = checkTlsSecret(secret);
          if (!check.ok) ctx.report(ing, "TLSSecretInvalid", `spec.tls[${ti}]: ${check.message}; hosts ${hosts} use the default certificate`);
          else {
            claim.certificate = { id: check.id, pair: check.pair };
          }
        }
      }
      work.tls.push(claim);
    });
  },
  commit(ctx, work) {
    for (const claim of work.tls) {
      ctx.tlsClaims.push(claim);
      if (claim.certificate) ctx.certificates[claim.certificate.id] = claim.certificate.pair;
    }
  },
  finish(ctx, model) {
    for (const claim of ctx.tlsClaims) {
      for (const host of claim.hosts) {
        const h = ctx.hosts.get(host);
        if (h) h.tls = true;
        if (claim.certificate && !(host in model.sniCertificates)) model.sniCertificates[host] = claim.certificate.id;
      }
    }
    const def = ctx.snapshot.defaultCertificate;
    if (def) {
      const check = checkTlsSecret(def);
      if (check.ok) {
        ctx.certificates[check.id] = check.pair;
        model.sniCertificates[DEFAULT_SNI_KEY] = check.id;
      } else {
        ctx.diagnostics.push({
          object: { kind: "Secret", namespace: def.metadata.namespace, name: def.metadata.name },
          severity: "Warning",
          reason: "TLSSecretInvalid",
          message: `${check.message}; the generated default certificate is used`,
        });
      }
    }
  },
};
