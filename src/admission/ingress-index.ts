// Ingresses by the routes they claim and by the TLS Secrets they reference, so that admission of
// one Ingress or Secret is a few map lookups, never a scan of the cluster. Pure: the informer feeds
// it (upsert/remove); validators only read it. Holds Ingresses of every class: whether an owner is
// ours is decided at lookup time against the current IngressClasses, so a class change never
// needs a re-index.

import type { Ingress } from "../core/k8s-types.js";
import { normalizeHost } from "../core/nginx-values.js";
import { isCanary, routesOf } from "./routes.js";

export interface IndexEntry {
  /** namespace/name */
  key: string;
  ingress: Ingress;
  routes: string[];
  /** namespace/secretName of every spec.tls[].secretName */
  secrets: string[];
  canary: boolean;
  /** Hosts of its rules ("" = hostless rules or the catch-all): what host ownership is decided on. */
  hosts: string[];
}

export function ingressKey(ingress: { metadata: { namespace?: string; name: string } }): string {
  return `${ingress.metadata.namespace ?? "default"}/${ingress.metadata.name}`;
}

export class IngressIndex {
  private readonly entries = new Map<string, IndexEntry>();
  private readonly byRoute = new Map<string, Map<string, IndexEntry>>();
  private readonly bySecret = new Map<string, Map<string, IndexEntry>>();
  private readonly byHost = new Map<string, Map<string, IndexEntry>>();

  get size(): number {
    return this.entries.size;
  }

  keys(): Iterable<string> {
    return this.entries.keys();
  }

  get(key: string): IndexEntry | undefined {
    return this.entries.get(key);
  }

  /** Adds or replaces an Ingress (an update with the same key replaces the previous version). */
  upsert(ingress: Ingress): void {
    const key = ingressKey(ingress);
    const previous = this.entries.get(key);
    if (previous?.ingress.metadata.resourceVersion && previous.ingress.metadata.resourceVersion === ingress.metadata.resourceVersion) return;
    if (previous) this.unlink(previous);
    const ns = ingress.metadata.namespace ?? "default";
    const entry: IndexEntry = {
      key,
      ingress,
      routes: [...new Set(routesOf(ingress).map((r) => r.key))],
      secrets: [...new Set((ingress.spec?.tls ?? []).filter((t) => t.secretName).map((t) => `${ns}/${t.secretName}`))],
      canary: isCanary(ingress),
      hosts: hostsOf(ingress),
    };
    this.entries.set(key, entry);
    for (const r of entry.routes) link(this.byRoute, r, entry);
    for (const s of entry.secrets) link(this.bySecret, s, entry);
    for (const h of entry.hosts) link(this.byHost, h, entry);
  }

  remove(ingress: { metadata: { namespace?: string; name: string } }): void {
    const entry = this.entries.get(ingressKey(ingress));
    if (!entry) return;
    this.unlink(entry);
    this.entries.delete(entry.key);
  }

  /** Ingresses claiming a route key (usually zero or one). */
  owners(routeKey: string): Iterable<IndexEntry> {
    return this.byRoute.get(routeKey)?.values() ?? [];
  }

  /** Ingresses whose spec.tls names this Secret ("namespace/name"). */
  referencing(secretKey: string): Iterable<IndexEntry> {
    return this.bySecret.get(secretKey)?.values() ?? [];
  }

  /** Ingresses with a rule for this host ("" = hostless rules and the catch-all). */
  onHost(host: string): Iterable<IndexEntry> {
    return this.byHost.get(host)?.values() ?? [];
  }

  private unlink(entry: IndexEntry): void {
    for (const h of entry.hosts) unlink(this.byHost, h, entry.key);
    for (const r of entry.routes) unlink(this.byRoute, r, entry.key);
    for (const s of entry.secrets) unlink(this.bySecret, s, entry.key);
  }
}

/** Rule hosts, normalised; "" for hostless rules and for a rules-less Ingress with a default backend. */
export function hostsOf(ingress: Ingress): string[] {
  const rules = ingress.spec?.rules ?? [];
  const hosts = new Set(rules.map((r) => (typeof r.host === "string" && r.host ? normalizeHost(r.host) : "")));
  if (rules.length === 0 && ingress.spec?.defaultBackend) hosts.add("");
  return [...hosts];
}

function link(map: Map<string, Map<string, IndexEntry>>, k: string, entry: IndexEntry): void {
  let owners = map.get(k);
  if (!owners) map.set(k, (owners = new Map()));
  owners.set(entry.key, entry);
}

function unlink(map: Map<string, Map<string, IndexEntry>>, k: string, key: string): void {
  const owners = map.get(k);
  if (!owners) return;
  owners.delete(key);
  if (owners.size === 0) map.delete(k);
}
