// How a path becomes a location's key: its match kind (Exact is `location =`, Prefix and a
// non-regex ImplementationSpecific path a prefix location, a regex-mode path a regex) and its path
// as the location holds it (prefix paths lose trailing slashes: "/api/" is "/api"). The build keys
// its locations with this, and admission finds route conflicts with it.

import type { AnnotationValues } from "./annotations/registry.js";
import { literalPrefix } from "./regex-grammar.js";

export type LocationMatch = "exact" | "prefix" | "regex";

/** use-regex or rewrite-target makes an Ingress's ImplementationSpecific paths regexes. */
export function usesRegex(ann: AnnotationValues): boolean {
  return ann.useRegex === true || ann.rewriteTarget !== undefined;
}

// A regex operator other than '.', which plain paths use as a literal ("/favicon.ico").
const REGEX_OPERATOR = /[*+?()[\]{}|^$\\]/;

/**
 * In regex mode (use-regex or rewrite-target) an ImplementationSpecific path is a regex, and so is
 * a Prefix or Exact path written with regex operators (`/foo(/|$)(.*)`): ingress-nginx read every
 * path of such an Ingress as a regex before 1.12 made strict-validate-path-type the default, and
 * the manifests of its docs still say pathType Prefix. Plain Prefix and Exact paths keep the
 * Ingress API's meaning.
 */
export function locationMatch(pathType: string | undefined, regexMode: boolean, path?: string): LocationMatch {
  if (regexMode && (pathType === "ImplementationSpecific" || isRegexLike(pathType, path))) return "regex";
  if (pathType === "Exact") return "exact";
  return "prefix";
}

/** A Prefix or Exact path that regex mode reads as a regex (admission warns about it). */
export function isRegexLike(pathType: string | undefined, path: string | undefined): boolean {
  return (pathType === "Prefix" || pathType === "Exact") && typeof path === "string" && REGEX_OPERATOR.test(path);
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

/** Portico's own locations (auth subrequests, `/_portico_auth_<id>`) live under this prefix. */
export const RESERVED_PATH_PREFIX = "/_portico";

/**
 * Why a valid path may not be an Ingress's (or an annotation's) location: it starts with the
 * reserved prefix, in any case (regex locations match case-insensitively). A regex is refused when
 * every match starts with it (`/_portico.*`); one that merely can match it (`/(.*)`) is not: the
 * internal locations are exact (`location =`), which nginx tries before any regex.
 */
export function reservedPathReason(match: LocationMatch, path: string, field: string): string | undefined {
  const start = match === "regex" ? literalPrefix(path) : path.toLowerCase();
  if (start === undefined || !start.startsWith(RESERVED_PATH_PREFIX)) return undefined;
  return `${field}: ${JSON.stringify(path)} starts with "${RESERVED_PATH_PREFIX}", which Portico reserves for its internal locations (auth subrequests); use another path`;
}
