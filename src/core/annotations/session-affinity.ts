// Cookie affinity (ingress-nginx's affinity, affinity-mode, session-cookie-*): the balancer in Lua
// pins a client to an endpoint with a cookie. Values travel as data with the endpoints (never into
// nginx.conf), so changing them reloads nothing.
import { parseBool, show, validatePlainPath, type Result } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/; // RFC 7230 token: what a cookie or header name may be
const DOMAIN = /^\.?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function parseToken(raw: string, key: string, what: string): Result<string> {
  const v = raw.trim();
  return TOKEN.test(v) ? { ok: true, value: v } : { ok: false, error: `${key}: ${show(raw)} is not a valid ${what} (letters, digits and !#$%&'*+.^_\`|~-)` };
}

function oneOf<T extends string>(raw: string, key: string, values: readonly T[]): Result<T> {
  const v = raw.trim().toLowerCase();
  const hit = values.find((x) => x.toLowerCase() === v);
  return hit ? { ok: true, value: hit } : { ok: false, error: `${key}: ${show(raw)} must be one of ${values.join(", ")}` };
}

// ingress-nginx accepts "0" or a (possibly negative) integer without leading zeros.
function cookieSeconds(raw: string, key: string): Result<number> {
  const v = raw.trim();
  if (!/^(0|-?[1-9][0-9]{0,9})$/.test(v)) return { ok: false, error: `${key}: ${show(raw)} must be a whole number of seconds` };
  return { ok: true, value: Number(v) };
}

export const affinity = defineAnnotation({
  key: "affinity",
  field: "affinity",
  type: "enum",
  scope: "ingress",
  risk: "low",
  default: "none",
  doc: "`cookie`: requests carrying the session cookie go to the same endpoint (upstream-wide, as in ingress-nginx). Applied in Lua: no reload.",
  parse: (raw, key) => oneOf(raw, key, ["cookie"] as const),
});

export const affinityMode = defineAnnotation({
  key: "affinity-mode",
  field: "affinityMode",
  type: "enum",
  scope: "ingress",
  risk: "low",
  default: "balanced",
  doc: "`balanced`: when endpoints are added, some sessions move to them (consistent hashing, the rest stay); `persistent`: a session keeps its endpoint as long as that endpoint exists.",
  parse: (raw, key) => oneOf(raw, key, ["balanced", "persistent"] as const),
});

export const affinityCanaryBehavior = defineAnnotation({
  key: "affinity-canary-behavior",
  field: "affinityCanaryBehavior",
  type: "enum",
  scope: "ingress",
  risk: "low",
  default: "sticky",
  doc: "`sticky`: clients served by a canary stay on it (the canary shares the primary's affinity); `legacy`: the canary ignores affinity.",
  parse: (raw, key) => oneOf(raw, key, ["sticky", "legacy"] as const),
});

export const sessionCookieName = defineAnnotation({
  key: "session-cookie-name",
  field: "sessionCookieName",
  type: "string",
  scope: "ingress",
  risk: "low",
  default: "INGRESSCOOKIE",
  doc: "Name of the affinity cookie.",
  parse: (raw, key) => parseToken(raw, key, "cookie name"),
});

export const sessionCookiePath = defineAnnotation({
  key: "session-cookie-path",
  field: "sessionCookiePath",
  type: "path",
  scope: "ingress",
  risk: "low",
  default: "the location's path",
  doc: "Path attribute of the affinity cookie (set it when the Ingress uses regex paths; then the default is `/`).",
  parse: (raw, key) => {
    const v = raw.trim();
    const err = validatePlainPath(v, key);
    return err ? { ok: false, error: err } : { ok: true, value: v };
  },
});

export const sessionCookieDomain = defineAnnotation({
  key: "session-cookie-domain",
  field: "sessionCookieDomain",
  type: "string",
  scope: "ingress",
  risk: "low",
  default: "",
  doc: "Domain attribute of the affinity cookie.",
  parse: (raw, key) => {
    const v = raw.trim();
    return DOMAIN.test(v) && v.length <= 253 ? { ok: true, value: v } : { ok: false, error: `${key}: ${show(raw)} is not a domain name` };
  },
});

export const sessionCookieExpires = defineAnnotation({
  key: "session-cookie-expires",
  field: "sessionCookieExpires",
  type: "int",
  scope: "ingress",
  risk: "low",
  default: "",
  doc: "Expires attribute of the affinity cookie, in seconds from now (legacy form of max-age).",
  parse: cookieSeconds,
});

export const sessionCookieMaxAge = defineAnnotation({
  key: "session-cookie-max-age",
  field: "sessionCookieMaxAge",
  type: "int",
  scope: "ingress",
  risk: "low",
  default: "",
  doc: "Max-Age attribute of the affinity cookie, in seconds.",
  parse: cookieSeconds,
});

export const sessionCookieSameSite = defineAnnotation({
  key: "session-cookie-samesite",
  field: "sessionCookieSameSite",
  type: "enum",
  scope: "ingress",
  risk: "low",
  default: "",
  doc: "SameSite attribute of the affinity cookie: None, Lax or Strict.",
  parse: (raw, key) => oneOf(raw, key, ["None", "Lax", "Strict"] as const),
});

export const sessionCookieConditionalSameSiteNone = defineAnnotation({
  key: "session-cookie-conditional-samesite-none",
  field: "sessionCookieConditionalSameSiteNone",
  type: "bool",
  scope: "ingress",
  risk: "low",
  default: "false",
  doc: "Leave SameSite=None out for user agents known to mishandle it.",
  parse: (raw, key) => parseBool(raw, key),
});

export const sessionCookieSecure = defineAnnotation({
  key: "session-cookie-secure",
  field: "sessionCookieSecure",
  type: "bool",
  scope: "ingress",
  risk: "low",
  default: "Secure on HTTPS requests",
  doc: "`true`: the affinity cookie is always Secure; `false`: never. Unset: Secure when the request came over HTTPS.",
  parse: (raw, key) => parseBool(raw, key),
});

export const sessionCookieChangeOnFailure = defineAnnotation({
  key: "session-cookie-change-on-failure",
  field: "sessionCookieChangeOnFailure",
  type: "bool",
  scope: "ingress",
  risk: "low",
  default: "false",
  doc: "`true`: when the sticky endpoint fails, the retry picks another endpoint and the cookie follows it; `false`: retries stay on the sticky endpoint.",
  parse: (raw, key) => parseBool(raw, key),
});

/** Every spec of this module, in the registry's list as one entry. */
export const SESSION_AFFINITY_ANNOTATIONS = [
  affinity,
  affinityMode,
  affinityCanaryBehavior,
  sessionCookieName,
  sessionCookiePath,
  sessionCookieDomain,
  sessionCookieExpires,
  sessionCookieMaxAge,
  sessionCookieSameSite,
  sessionCookieConditionalSameSiteNone,
  sessionCookieSecure,
  sessionCookieChangeOnFailure,
];
