// The routes an Ingress claims: (host, match kind, path). Two Ingresses of the same controller
// claiming the same route would fight over one nginx location, so the second is denied. The
// match kind follows how the route is rendered (core's location key: Exact is `location =`, Prefix
// a prefix location, a regex-mode path a regex).

import type { Ingress, IngressBackend } from "../core/k8s-types.js";
import { normalizeHost } from "../core/nginx-values.js";
import { ANNOTATIONS, parseAnnotations, PREFIXES } from "../core/annotations/registry.js";
import { locationKey, locationMatch, locationPath, usesRegex as regexModeOf, type LocationMatch } from "../core/location-key.js";

/** "default" is the catch-all default backend (spec.defaultBackend of an Ingress without rules). */
export type MatchKind = LocationMatch | "default";

export interface Route {
  /** `<host>\n<kind>\n<path>`; host "" is the catch-all server. */
  key: string;
  host: string;
  kind: MatchKind;
  path: string;
  /** Where in the Ingress, e.g. spec.rules[0].http.paths[1]. */
  field: string;
  /** pathType and path as written ("" is "/", as ingress-nginx reads it). */
  written: string;
  /** The backend, for messages: service "web" port 80. */
  backend: string;
}

/** A route is a host and core's location key (src/core/location-key.ts). */
export function routeKey(host: string, kind: MatchKind, path: string): string {
  return `${host}\n${kind === "default" ? "default" : locationKey(kind, path)}`;
}

export { locationMatch as matchKind, regexModeOf };

export function usesRegex(ingress: Ingress): boolean {
  return regexModeOf(parseAnnotations(ingress.metadata.annotations).values);
}

// Canaries share their primary's routes on purpose; the exemption applies once the registry
// implements the canary annotation (until then a "canary" Ingress would really take the route).
const CANARY_SUPPORTED = ANNOTATIONS.some((a) => a.key === "canary");

/** Canary Ingresses share their primary's routes on purpose (ingress-nginx's `canary: "true"`). */
export function isCanary(ingress: Ingress, supported = CANARY_SUPPORTED): boolean {
  if (!supported) return false;
  const a = ingress.metadata.annotations ?? {};
  return PREFIXES.some((p) => a[`${p}canary`] === "true");
}

export function routesOf(ingress: Ingress, useRegex = usesRegex(ingress)): Route[] {
  const out: Route[] = [];
  (ingress.spec?.rules ?? []).forEach((rule, i) => {
    const host = typeof rule.host === "string" ? normalizeHost(rule.host) : "";
    (rule.http?.paths ?? []).forEach((p, j) => {
      const kind = locationMatch(p.pathType, useRegex, p.path);
      const path = locationPath(kind, p.path);
      out.push({
        key: routeKey(host, kind, path),
        host,
        kind,
        path,
        field: `spec.rules[${i}].http.paths[${j}]`,
        written: `${String(p.pathType)} ${JSON.stringify(p.path || "/")}`,
        backend: describeBackend(p.backend),
      });
    });
  });
  if (ingress.spec?.defaultBackend && !(ingress.spec.rules ?? []).length) {
    const backend = describeBackend(ingress.spec.defaultBackend);
    out.push({ key: routeKey("", "default", ""), host: "", kind: "default", path: "", field: "spec.defaultBackend", written: "", backend });
  }
  return out;
}

function describeBackend(b: IngressBackend | undefined): string {
  if (b?.service) {
    const port = b.service.port?.name !== undefined ? JSON.stringify(b.service.port.name) : String(b.service.port?.number);
    return `service ${JSON.stringify(b.service.name)} port ${port}`;
  }
  if (b?.resource) return `resource ${b.resource.kind}/${b.resource.name}`;
  return "no backend";
}

/** Human form of a route for messages: host "foo.com", Prefix path "/api". */
export function describeRoute(r: Route): string {
  if (r.kind === "default") return "the catch-all default backend (spec.defaultBackend without rules)";
  const kind = r.kind === "exact" ? "Exact" : r.kind === "regex" ? "regex" : "Prefix";
  return `host ${r.host ? JSON.stringify(r.host) : "(any)"} ${kind} path ${JSON.stringify(r.path)}`;
}
