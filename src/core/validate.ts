// Field validators for admission and any other caller that must judge an Ingress without building:
// each returns an error message naming the field and the reason, or undefined when valid. They
// are the same rules core applies (nginx-values.ts is the single implementation).

import type { PathType } from "./k8s-types.js";
import { locationMatch, reservedPathReason } from "./location-key.js";
import { validatePlainPath, validateRegexPath } from "./nginx-values.js";

export { validateHost, validatePlainPath, validateRegexPath, validateRedirectUrl, validateRewriteTarget } from "./nginx-values.js";

/**
 * Validates a path for its pathType. `regex` is true when use-regex or rewrite-target applies to
 * the Ingress (its ImplementationSpecific paths, and Prefix/Exact paths with regex operators, are
 * then regexes: location-key.ts). Paths under /_portico are reserved (reservedPathReason).
 */
export function validatePath(path: string | undefined, pathType: PathType, regex = false, field = "path"): string | undefined {
  if (pathType !== "Exact" && pathType !== "Prefix" && pathType !== "ImplementationSpecific") {
    return `${field}: pathType ${JSON.stringify(pathType)} must be Exact, Prefix or ImplementationSpecific`;
  }
  const p = path === undefined || path === "" ? (pathType === "ImplementationSpecific" ? "/" : "") : path;
  const match = locationMatch(pathType, regex, p);
  return (
    (match === "regex" ? validateRegexPath(p, field) : validatePlainPath(p, field, pathType === "ImplementationSpecific")) ??
    reservedPathReason(match, p, field)
  );
}
