// Host ownership at admission (the build applies the same rule, src/core/model/processors/
// ownership.ts): a host belongs to the namespace of its oldest Ingress of the same
// IngressController (creationTimestamp, then namespace/name); rules and TLS entries for it from
// other namespaces are refused, unless the IngressController lets that namespace share hosts.
// "" is the default server (hostless rules and the catch-all). The names server-alias and
// from-to-www-redirect add to a host's server are checked the same way (they claim nothing, but
// must not take another namespace's host). Also the cap on regex paths per host.

import type { AnnotationValues } from "../core/annotations/registry.js";
import { PREFIXES } from "../core/annotations/registry.js";
import { wwwTwinOf } from "../core/annotations/server-alias.js";
import type { Ingress } from "../core/k8s-types.js";
import { LIMITS } from "../core/limits.js";
import { byAge } from "../core/model/classes.js";
import { normalizeHost, show } from "../core/nginx-values.js";
import { groupOf, mayShareHosts } from "./classes.js";
import type { AdmissionContext } from "./context.js";
import { hostsOf, ingressKey, type IndexEntry } from "./ingress-index.js";
import { routeKey, routesOf } from "./routes.js";

/** The oldest of two Ingresses, in the build's order (creationTimestamp, then namespace/name). */
const older = (a: Ingress, b: Ingress): boolean => byAge(a, b) < 0;

/** On CREATE the Ingress is younger than every existing one: creationTimestamp has seconds, and a
 * namespace/name tie-break within that second would let a newcomer take a host just claimed. */
function ownerOf(host: string, ingress: Ingress, claims: boolean, ctx: AdmissionContext, group: string | undefined, creating: boolean): Ingress | undefined {
  let owner: Ingress | undefined = claims ? ingress : undefined;
  const self = ingressKey(ingress);
  for (const e of ctx.index.onHost(host) as Iterable<IndexEntry>) {
    if (e.key === self || e.ingress.metadata.deletionTimestamp || groupOf(e.ingress, ctx.classes) !== group) continue;
    if (!owner || (creating && owner === ingress) || older(e.ingress, owner)) owner = e.ingress;
  }
  return owner;
}

function describeHost(host: string): string {
  return host === "" ? "the default server (hostless rules and the catch-all default backend)" : `host ${show(host)}`;
}

/** The names an Ingress's server-alias and from-to-www-redirect add to its hosts' servers, with
 * the annotation that adds each. */
function extraNames(ingress: Ingress, values: AnnotationValues): { name: string; field: string }[] {
  const anns = ingress.metadata.annotations ?? {};
  const field = (key: string) => `metadata.annotations[${[...PREFIXES].reverse().find((p) => anns[p + key] !== undefined) ?? PREFIXES[0]}${key}]`;
  const ruleHosts = [...new Set((ingress.spec?.rules ?? []).flatMap((r) => (r.host ? [normalizeHost(r.host)] : [])))];
  if (!ruleHosts.length) return []; // both apply to rule hosts only
  const out = (values.serverAlias ?? []).filter((n) => !ruleHosts.includes(n)).map((name) => ({ name, field: field("server-alias") }));
  if (values.fromToWwwRedirect) {
    for (const h of ruleHosts) {
      const twin = wwwTwinOf(h);
      if (twin && !ruleHosts.includes(twin)) out.push({ name: twin, field: `${field("from-to-www-redirect")} (the redirect of ${show(h)})` });
    }
  }
  return out;
}

export function checkHostOwnership(
  ingress: Ingress,
  old: Ingress | undefined,
  ctx: AdmissionContext,
  reasons: string[],
  values: AnnotationValues = {},
  oldValues: AnnotationValues = {},
): void {
  const group = groupOf(ingress, ctx.classes);
  const ns = ingress.metadata.namespace ?? "default";
  const sameGroupOld = old && groupOf(old, ctx.classes) === group ? old : undefined;
  if (!mayShareHosts(ctx.classes, group, ns)) {
    const own = new Set(hostsOf(ingress));
    // On update, only newly claimed hosts are checked: a pre-existing state never blocks edits.
    const held = new Set(sameGroupOld ? hostsOf(sameGroupOld) : []);
    const heldTls = new Set((sameGroupOld?.spec?.tls ?? []).flatMap((t) => (t.hosts ?? []).map(normalizeHost)));
    const refuse = (field: string, host: string, owner: Ingress) =>
      reasons.push(
        `${field}: ${describeHost(host)} belongs to namespace ${show(owner.metadata.namespace ?? "")} (its oldest Ingress is ${ingressKey(owner)}); Ingresses of namespace ${show(ns)} cannot add to it unless the IngressController shares hosts with it (spec.hostSharing.namespaces)`,
      );
    const rules = ingress.spec?.rules ?? [];
    const seen = new Set<string>();
    const check = (field: string, host: string) => {
      if (held.has(host) || seen.has(host)) return;
      seen.add(host);
      const owner = ownerOf(host, ingress, true, ctx, group, !old);
      if (owner && (owner.metadata.namespace ?? "default") !== ns) refuse(field, host, owner);
    };
    rules.forEach((r, i) => check(r.host ? `spec.rules[${i}].host` : `spec.rules[${i}]`, r.host ? normalizeHost(r.host) : ""));
    if (rules.length === 0 && ingress.spec?.defaultBackend) check("spec.defaultBackend", "");
    (ingress.spec?.tls ?? []).forEach((t, i) =>
      (t.hosts ?? []).forEach((raw, j) => {
        const host = normalizeHost(raw);
        if (heldTls.has(host)) return;
        const owner = ownerOf(host, ingress, own.has(host), ctx, group, !old);
        if (owner && (owner.metadata.namespace ?? "default") !== ns) refuse(`spec.tls[${i}].hosts[${j}]`, host, owner);
      }),
    );
    // Aliases and www twins: another namespace's host is refused (the build drops them too).
    const heldNames = new Set(sameGroupOld ? extraNames(sameGroupOld, oldValues).map((e) => e.name) : []);
    for (const { name, field } of extraNames(ingress, values)) {
      if (heldNames.has(name) || seen.has(name)) continue;
      seen.add(name);
      const owner = ownerOf(name, ingress, false, ctx, group, !old);
      if (owner && (owner.metadata.namespace ?? "default") !== ns) refuse(field, name, owner);
    }
  }
  checkRegexCap(ingress, ctx, group, reasons);
}

/** At most LIMITS.regexPathsPerHost regex paths on one host, counting every Ingress of the group. */
function checkRegexCap(ingress: Ingress, ctx: AdmissionContext, group: string | undefined, reasons: string[]): void {
  const mine = new Map<string, number>();
  for (const r of routesOf(ingress)) if (r.kind === "regex") mine.set(r.host, (mine.get(r.host) ?? 0) + 1);
  const self = ingressKey(ingress);
  for (const [host, n] of mine) {
    let total = n;
    const regexRoute = routeKey(host, "regex", ""); // the key's prefix of every regex route on the host
    for (const e of ctx.index.onHost(host) as Iterable<IndexEntry>) {
      if (e.key === self || groupOf(e.ingress, ctx.classes) !== group) continue;
      total += e.routes.filter((k) => k.startsWith(regexRoute)).length;
    }
    if (total > LIMITS.regexPathsPerHost) {
      reasons.push(`${describeHost(host)} would have ${total} regex paths; at most ${LIMITS.regexPathsPerHost} are allowed on one host`);
    }
  }
}
