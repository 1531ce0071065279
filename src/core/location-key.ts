// How a path becomes a location's key: its match kind (Exact is `location =`, Prefix and a
// non-regex ImplementationSpecific path a prefix location, a regex-mode ImplementationSpecific
// path a regex) and its path as the location holds it (prefix paths lose trailing slashes: "/api/"
// is "/api"). The build keys its locations with this, and admission finds route conflicts with it.

import type { AnnotationValues } from "./annotations/registry.js";

export type LocationMatch = "exact" | "prefix" | "regex";

/** use-regex or rewrite-target makes an Ingress's ImplementationSpecific paths regexes. */
export function usesRegex(ann: AnnotationValues): boolean {
  return ann.useRegex === true || ann.rewriteTarget !== undefined;
}

export function locationMatch(pathType: string | undefined, regexMode: boolean): LocationMatch {
  if (pathType === "Exact") return "exact";
  if (pathType === "ImplementationSpecific" && regexMode) return "regex";
  return "prefix";
}

/** The path as the location holds it; an empty path is "/". */
export function locationPath(match: LocationMatch, path: string | undefined): string {
  const raw = path || "/";
  return match === "prefix" ? raw.replace(/\/+$/, "") || "/" : raw;
}

/** The key of a location within its server: two paths with one key are one location. */
export function locationKey(match: LocationMatch, path: string): string {
  return `${match}|${path}`;
}
