// Host ownership: a host belongs to the namespace of its oldest Ingress (creationTimestamp, then
// namespace/name; Ingresses arrive sorted that way). Rules and TLS entries for it from other
// namespaces are dropped with a diagnostic, unless the IngressController lets that namespace share
// hosts (Snapshot.hostSharing; "*" = every namespace, ingress-nginx's behaviour). The default
// server (hostless rules and the catch-all spec.defaultBackend) is owned the same way, as host "".
// Regex mode follows: only the owner's Ingresses can put a host in regex mode.

import { normalizeHost, show, validateHost } from "../../nginx-values.js";
import { keyOf } from "../classes.js";
import type { BuildContext } from "../context.js";
import type { Processor } from "./types.js";

export const ownershipProcessor: Processor = {
  name: "ownership",
  prepare(ctx) {
    for (const ing of ctx.claimants) {
      const claim = { namespace: ing.metadata.namespace ?? "", ingress: keyOf(ing) };
      const rules = ing.spec?.rules ?? [];
      if (rules.length === 0 && ing.spec?.defaultBackend && !ctx.hostOwners.has("")) ctx.hostOwners.set("", claim);
      for (const r of rules) {
        const host = r.host ? (validateHost(r.host) ? undefined : normalizeHost(r.host)) : "";
        if (host !== undefined && !ctx.hostOwners.has(host)) ctx.hostOwners.set(host, claim);
      }
    }
  },
  process(ctx, work) {
    work.rules = work.rules.filter((rule) => {
      const owner = foreignOwner(ctx, rule.host, work.namespace);
      if (owner) ctx.report(work.ingress, "HostNotOwned", `spec.rules[${rule.index}]: ${ownedBy(rule.host, owner)}; rule ignored`);
      return !owner;
    });
    work.ruleHosts = work.ruleHosts.filter((h) => work.rules.some((r) => r.host === h));
  },
};

/** The owner of `host` when it is another namespace that `namespace` may not share with. */
export function foreignOwner(ctx: BuildContext, host: string, namespace: string): { namespace: string; ingress: string } | undefined {
  const owner = ctx.hostOwners.get(host);
  if (!owner || owner.namespace === namespace || ctx.maySharehosts(namespace)) return undefined;
  return owner;
}

export function ownedBy(host: string, owner: { namespace: string; ingress: string }): string {
  const what = host === "" ? "the default server (hostless rules and the catch-all default backend)" : `host ${show(host)}`;
  return `${what} belongs to namespace ${show(owner.namespace)} (its oldest Ingress is ${owner.ingress}), and this IngressController does not let other namespaces share it (spec.hostSharing)`;
}
