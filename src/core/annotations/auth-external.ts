// External authentication (ingress-nginx's auth-url family): each request is first sent as a
// subrequest to auth-url; 2xx admits it, 401/403 refuse it (401 redirects to auth-signin when
// set). URLs may use the request variables nginx-values.ts allows, validated, never raw.

import {
  cacheValidArgs,
  HEADER_VARIABLES,
  parseBool,
  show,
  validateCacheKey,
  validateHeaderName,
  validateUrlWithVariables,
  type Result,
} from "../nginx-values.js";
import { parseConfigMapRef } from "./config-map-refs.js";
import { MAX_CONFIG_MAP_HEADERS } from "./custom-headers.js";
import { defineAnnotation } from "./types.js";

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(error: string): Result<T> => ({ ok: false, error });
const url =
  (allowPath = false) =>
  (raw: string, key: string): Result<string> => {
    const v = raw.trim();
    const err = validateUrlWithVariables(v, key, { allowPath });
    return err ? fail(err) : ok(v);
  };

export const authUrl = defineAnnotation({
  key: "auth-url",
  field: "authUrl",
  type: "url",
  scope: "location",
  risk: "high",
  default: "",
  doc: "URL of the authentication service, e.g. https://$host/oauth2/auth; request variables ($host, $request_uri, $http_*, ...) are allowed. A host name is resolved at request time through settings.resolvers.",
  parse: url(),
});

export const authMethod = defineAnnotation({
  key: "auth-method",
  field: "authMethod",
  type: "enum",
  scope: "location",
  risk: "low",
  default: "the client's method",
  doc: "HTTP method of the authentication subrequest (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT).",
  parse: (raw, key) => {
    const v = raw.trim().toUpperCase();
    return /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|TRACE|CONNECT)$/.test(v) ? ok(v) : fail(`${key}: ${show(raw)} is not an HTTP method`);
  },
});

export const authSignin = defineAnnotation({
  key: "auth-signin",
  field: "authSignin",
  type: "url",
  scope: "location",
  risk: "high",
  default: "",
  doc: "Where a 401 from the authentication service redirects the client (302), e.g. https://$host/oauth2/start?rd=$escaped_request_uri; the original URL is added as the rd parameter unless the URL already has it.",
  parse: url(true),
});

export const authSigninRedirectParam = defineAnnotation({
  key: "auth-signin-redirect-param",
  field: "authSigninRedirectParam",
  type: "string",
  scope: "location",
  risk: "low",
  default: "rd",
  doc: "Name of the query parameter of auth-signin that carries the original URL.",
  parse: (raw, key) => (/^[A-Za-z0-9_-]{1,64}$/.test(raw.trim()) ? ok(raw.trim()) : fail(`${key}: ${show(raw)} is not a query parameter name`)),
});

export const authResponseHeaders = defineAnnotation({
  key: "auth-response-headers",
  field: "authResponseHeaders",
  type: "header list",
  scope: "location",
  risk: "medium",
  default: "",
  doc: "Comma-separated headers of the authentication service's response passed on to the backend (whatever the client sent under those names is replaced).",
  parse: (raw, key) => {
    // ingress-nginx tolerates comment lines in block scalars; only header names count.
    const items = raw
      .split("\n")
      .filter((l) => !l.trim().startsWith("#"))
      .join(",")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) return fail(`${key}: must list at least one header`);
    if (items.length > 64) return fail(`${key}: more than 64 headers`);
    for (const h of items) {
      const err = validateHeaderName(h, key);
      if (err) return fail(err);
    }
    return ok(items);
  },
});

export const authRequestRedirect = defineAnnotation({
  key: "auth-request-redirect",
  field: "authRequestRedirect",
  type: "url",
  scope: "location",
  risk: "low",
  default: "$request_uri",
  doc: "Value of the X-Auth-Request-Redirect header sent to the authentication service.",
  parse: url(true),
});

export const authAlwaysSetCookie = defineAnnotation({
  key: "auth-always-set-cookie",
  field: "authAlwaysSetCookie",
  type: "bool",
  scope: "location",
  risk: "low",
  default: "false",
  doc: "Pass the authentication service's Set-Cookie to the client on every response, not only on 2xx/3xx.",
  parse: (raw, key) => parseBool(raw, key),
});

export const enableGlobalAuth = defineAnnotation({
  key: "enable-global-auth",
  field: "enableGlobalAuth",
  type: "bool",
  scope: "location",
  risk: "low",
  default: "true",
  doc: "Whether settings.globalAuthUrl applies to this Ingress's paths (an auth-url of its own always wins).",
  parse: (raw, key) => parseBool(raw, key),
});

export const authCacheKey = defineAnnotation({
  key: "auth-cache-key",
  field: "authCacheKey",
  type: "string",
  scope: "location",
  risk: "medium",
  default: "",
  doc: "Caches the authentication service's answers under this key, e.g. $remote_user$http_authorization (letters, digits, - _ . : and request variables). The key is always prefixed with the server's host and the auth location, so no other host's answers are read; responses with Set-Cookie are not cached (nginx's rule). Cache: 10 MB of keys, at most 128 MB, entries dropped after 30 min unused.",
  parse: (raw, key) => {
    const v = raw.trim();
    const err = validateCacheKey(v, key);
    return err ? fail(err) : ok(v);
  },
});

/** ingress-nginx's default when auth-cache-key is set without a duration. */
export const DEFAULT_AUTH_CACHE_DURATION = ["200 202 401 5m"];

export const authCacheDuration = defineAnnotation({
  key: "auth-cache-duration",
  field: "authCacheDuration",
  type: "list",
  scope: "location",
  risk: "medium",
  default: "200 202 401 5m",
  doc: 'How long answers of the authentication service are cached, by status: comma-separated "[code ...] time" entries (proxy_cache_valid), e.g. "200 202 10m, 401 30s". Needs auth-cache-key.',
  parse: (raw, key) => {
    const entries = raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (entries.length === 0) return fail(`${key}: must hold at least one "[code ...] time" entry`);
    if (entries.length > 16) return fail(`${key}: more than 16 entries`);
    for (const e of entries) {
      const r = cacheValidArgs(e, key);
      if (!r.ok) return r;
    }
    return ok(entries.map((e) => e.split(/\s+/).join(" ")));
  },
});

export const authProxySetHeaders = defineAnnotation({
  key: "auth-proxy-set-headers",
  field: "authProxySetHeaders",
  type: "string",
  scope: "location",
  risk: "medium",
  default: "",
  doc: `ConfigMap (name, or namespace/name in the Ingress's own namespace) whose entries are headers sent to the authentication service ("Header-Name": "value", at most ${MAX_CONFIG_MAP_HEADERS}), replacing Portico's own of the same name; values may use ${HEADER_VARIABLES.map((v) => `$${v}`).join(", ")}. Needs auth-url. A missing ConfigMap, or an entry that is not a valid header, makes the paths answer 503 with an Event.`,
  parse: parseConfigMapRef,
});
