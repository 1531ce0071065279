// Canary Ingresses (ingress-nginx semantics): an Ingress with `canary: "true"` adds no route; each
// of its host+path pairs that another Ingress serves sends some requests to the canary's backend
// instead: by header, then cookie, then weight. Pushed with the endpoints: a weight change reloads nothing.
import { parseBool, parseIntIn, show } from "../nginx-values.js";
import { parseToken } from "./session-affinity.js";
import { defineAnnotation } from "./types.js";

// A PCRE pattern for header values, in a subset both PCRE and JavaScript read alike: no `(?`
// constructs but `(?:`, backslash only before punctuation or a class shorthand.
const PATTERN_CHARS = /^[A-Za-z0-9 ._~!*'()+,=:@&%\/\-\[\]{}^$?|\\;<>#"]*$/;
export function validateHeaderPattern(p: string, key: string): string | undefined {
  if (p.length === 0 || p.length > 1024) return `${key}: must be 1..1024 characters`;
  if (!PATTERN_CHARS.test(p)) return `${key}: ${show(p)} contains a character that is not allowed`;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === "\\") {
      if (!/[.\/\-?+*()[\]{}^$| dDwWsS]/.test(p[i + 1] ?? "")) return `${key}: ${show(p)}: '\\${p[i + 1] ?? ""}' is not an allowed escape`;
      i++;
    } else if (p[i] === "(" && p[i + 1] === "?" && p[i + 2] !== ":") return `${key}: ${show(p)}: '(?' constructs other than '(?:' are not allowed`;
    else if (p[i] === "[" && p[i + 1] === "]") return `${key}: ${show(p)}: empty character class`;
  }
  try {
    new RegExp(p);
  } catch (e) {
    return `${key}: ${show(p)} does not compile: ${(e as Error).message}`;
  }
  return undefined;
}

export const canary = defineAnnotation({
  key: "canary",
  field: "canary",
  type: "bool",
  scope: "ingress",
  risk: "low",
  default: "false",
  doc: "This Ingress is a canary: its host+path pairs must be served by another (main) Ingress, and add its backend as that backend's alternative (upstream-wide, as in ingress-nginx). Precedence: canary-by-header, then canary-by-cookie, then canary-weight.",
  parse: (raw, key) => parseBool(raw, key),
});

export const canaryByHeader = defineAnnotation({
  key: "canary-by-header",
  field: "canaryByHeader",
  type: "string",
  scope: "ingress",
  risk: "low",
  default: "",
  doc: "Request header routing to the canary: `always` sends the request to the canary, `never` keeps it on the main backend; other values fall through to the cookie and the weight.",
  parse: (raw, key) => parseToken(raw, key, "header name"),
});

export const canaryByHeaderValue = defineAnnotation({
  key: "canary-by-header-value",
  field: "canaryByHeaderValue",
  type: "string",
  scope: "ingress",
  risk: "low",
  default: "",
  doc: "With canary-by-header: the header value that routes to the canary (instead of `always`).",
  parse: (raw, key) => {
    const v = raw.trim();
    if (v.length === 0 || v.length > 1024 || !/^[\x20-\x7e]+$/.test(v))
      return { ok: false, error: `${key}: ${show(raw)} must be 1..1024 printable ASCII characters` };
    return { ok: true, value: v };
  },
});

export const canaryByHeaderPattern = defineAnnotation({
  key: "canary-by-header-pattern",
  field: "canaryByHeaderPattern",
  type: "regex",
  scope: "ingress",
  risk: "medium",
  default: "",
  doc: "With canary-by-header: a PCRE the header value must match to route to the canary (ignored when canary-by-header-value is set).",
  parse: (raw, key) => {
    const v = raw.trim();
    const err = validateHeaderPattern(v, key);
    return err ? { ok: false, error: err } : { ok: true, value: v };
  },
});

export const canaryByCookie = defineAnnotation({
  key: "canary-by-cookie",
  field: "canaryByCookie",
  type: "string",
  scope: "ingress",
  risk: "low",
  default: "",
  doc: "Cookie routing to the canary: `always` sends the request to the canary, `never` keeps it on the main backend.",
  parse: (raw, key) => parseToken(raw, key, "cookie name"),
});

export const canaryWeight = defineAnnotation({
  key: "canary-weight",
  field: "canaryWeight",
  type: "int",
  scope: "ingress",
  risk: "low",
  default: "0",
  doc: "Share of the remaining requests (not decided by header or cookie) sent to the canary, out of canary-weight-total.",
  parse: (raw, key) => parseIntIn(raw, key, 0, 1_000_000_000),
});

export const canaryWeightTotal = defineAnnotation({
  key: "canary-weight-total",
  field: "canaryWeightTotal",
  type: "int",
  scope: "ingress",
  risk: "low",
  default: "100",
  doc: "Total of canary-weight (values below 100 count as 100, as in ingress-nginx).",
  parse: (raw, key) => parseIntIn(raw, key, 1, 1_000_000_000),
});
