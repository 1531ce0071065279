// AccessModel -> directives: CORS (rewrite phase, so preflights are answered before
// authentication, as in ingress-nginx), address lists, basic and external authentication, and the
// internal locations external authentication needs (the subrequest, the sign-in redirect).
// nginx does not inherit proxy_set_header or add_header into a block that sets its own, so a
// location that adds any repeats the server-wide ones (LocationContext).

import { createHash } from "node:crypto";
import {
  authCacheKeyToken,
  cacheValidArgs,
  cidrToken,
  configFileToken,
  corsOriginRegexToken,
  headerNameToken,
  headerValueToken,
  HEADER_VARIABLES,
  headerVariableToken,
  int,
  lit,
  litQuoted,
  methodToken,
  pathToken,
  realmToken,
  urlHostToken,
  upstreamNameToken,
  urlWithVariablesToken,
  usesEscapedRequestUri,
} from "../nginx-values.js";
import type { AccessModel, ExternalAuthModel, Origin } from "../model/types.js";
import { dedupeHeaderDirectives } from "./proxy-tuning.js";
import { sourced } from "./render-error.js";
import { b, d, luaBlock as luaBlockOf, type Directive } from "./writer.js";

/** What a location block needs from the http level. */
export interface LocationContext {
  httpsPort: number;
  /** The http-level proxy_set_header / grpc_set_header directives (repeated where a location sets its own). */
  proxyHeaders: Directive[];
  grpcHeaders: Directive[];
  /** The http-level add_header directives (HSTS), repeated where a location adds its own. */
  addHeaders: Directive[];
  /** The access_log directive enable-access-log "true" writes when the setting turned logs off. */
  accessLog?: Directive;
  /** The OWASP Core Rule Set is loaded at http level (locations without it remove its rules). */
  crsLoaded?: boolean;
  /** Upstreams whose locations need the log-phase Lua (ewma learns response times there). */
  ewmaUpstreams: ReadonlySet<string>;
}

export const ESCAPED_URI = d("set_by_lua", lit("$portico_escaped_request_uri"), litQuoted("return ngx.escape_uri(ngx.var.request_uri)"));

/** An external authentication as one location uses it: with the location's upstream, because the
 * subrequest shares the request's variables and the server-level `set $portico_upstream ""` runs
 * in it too: its location sets the upstream back for the balancer. */
export interface AuthUse {
  auth: ExternalAuthModel;
  upstream: string;
  /** The Ingress of the location that uses it (not part of its identity). */
  origin?: Origin;
}

function authId(u: AuthUse): string {
  return createHash("sha256")
    .update(JSON.stringify([u.auth, u.upstream]))
    .digest("hex")
    .slice(0, 16);
}
export const authPath = (u: AuthUse) => `/_portico_auth_${authId(u)}`;
const signinName = (u: AuthUse) => `@portico_signin_${authId(u)}`;

/** Rewrite-phase part: 503 when denied, CORS variables and the preflight answer. */
export function accessRewrite(a: AccessModel): Directive[] {
  if (a.denied) return [d("return", int(503))];
  const cors = a.cors;
  if (!cors) return [];
  const vars: [string, string][] = [
    ["$portico_cors_methods", cors.methods],
    ["$portico_cors_headers", cors.headers],
    ["$portico_cors_max_age", String(cors.maxAge)],
  ];
  if (cors.credentials) vars.push(["$portico_cors_credentials", "true"]);
  if (cors.exposeHeaders) vars.push(["$portico_cors_expose", cors.exposeHeaders]);
  const any = cors.origins.length === 1 && cors.origins[0] === "*";
  const allowed: Directive[] = [
    d("set", lit("$portico_cors_origin"), any ? litQuoted("*") : lit("$http_origin")),
    ...vars.map(([v, value]) => d("set", lit(v), headerValueToken(value))),
    d("set", lit("$portico_cors_preflight"), lit("1")),
  ];
  const out: Directive[] = [...["$portico_cors_origin", "$portico_cors_preflight", ...vars.map(([v]) => v)].map((v) => d("set", lit(v), litQuoted("")))];
  if (any) out.push(...allowed);
  else out.push(b("if", [lit("($http_origin"), lit("~*"), corsOriginRegexToken(cors.origins), lit(")")], allowed));
  out.push(
    b("if", [lit("($request_method"), lit("!="), lit("OPTIONS)")], [d("set", lit("$portico_cors_preflight"), litQuoted(""))]),
    b("if", [lit("($portico_cors_preflight)")], [d("return", int(204))]),
  );
  return out;
}

const CORS_HEADERS: [string, string][] = [
  ["Access-Control-Allow-Origin", "$portico_cors_origin"],
  ["Access-Control-Allow-Credentials", "$portico_cors_credentials"],
  ["Access-Control-Allow-Methods", "$portico_cors_methods"],
  ["Access-Control-Allow-Headers", "$portico_cors_headers"],
  ["Access-Control-Expose-Headers", "$portico_cors_expose"],
  ["Access-Control-Max-Age", "$portico_cors_max_age"],
];

/** Access-phase part and the headers it adds: allow/deny, satisfy, basic, auth_request. */
export function accessPhase(a: AccessModel, upstream: string, grpc: boolean, lc: LocationContext, luaAccess: boolean): Directive[] {
  if (a.denied) return [];
  const out: Directive[] = [];
  for (const c of a.deny) out.push(d("deny", cidrToken(c)));
  if (a.allow.length) {
    for (const c of a.allow) out.push(d("allow", cidrToken(c)));
    out.push(d("deny", lit("all")));
  }
  if (a.satisfyAny) {
    out.push(d("satisfy", lit("any")));
    // A Lua access handler that returns normally counts as "admitted" under satisfy any: decline.
    if (luaAccess) out.push(luaBlockOf("access_by_lua_block", "portico.access()\nreturn ngx.exit(ngx.DECLINED)"));
  }
  const setHeaders: [string, string][] = [];
  const addHeaders: Directive[] = [];
  if (a.cors) {
    const used = CORS_HEADERS.filter(
      ([, v]) => (v !== "$portico_cors_credentials" || a.cors!.credentials) && (v !== "$portico_cors_expose" || a.cors!.exposeHeaders),
    );
    addHeaders.push(...used.map(([h, v]) => d("add_header", lit(h), lit(v), lit("always"))));
  }
  if (a.basic) {
    out.push(d("auth_basic", realmToken(a.basic.realm)), d("auth_basic_user_file", configFileToken(a.basic.file)));
    setHeaders.push(["Authorization", '""']);
  }
  const ext = a.external;
  if (ext) {
    const use = { auth: ext, upstream };
    out.push(d("auth_request", pathToken(authPath(use))), d("auth_request_set", lit("$portico_auth_cookie"), lit("$upstream_http_set_cookie")));
    addHeaders.push(
      ext.alwaysSetCookie
        ? d("add_header", lit("Set-Cookie"), lit("$portico_auth_cookie"), lit("always"))
        : d("add_header", lit("Set-Cookie"), lit("$portico_auth_cookie")),
    );
    ext.responseHeaders.forEach((h, i) => {
      out.push(d("auth_request_set", lit(`$portico_auth_header_${i}`), headerVariableToken("upstream_http", h)));
      setHeaders.push([h, `$portico_auth_header_${i}`]);
    });
    if (ext.signin) out.push(d("error_page", int(401), lit("="), lit(signinName(use))));
  }
  if (addHeaders.length) out.push(...lc.addHeaders, ...addHeaders);
  if (setHeaders.length) {
    const px = grpc ? "grpc_set_header" : "proxy_set_header";
    const names = new Set(setHeaders.map(([h]) => h.toLowerCase()));
    // The server-wide headers first (minus those replaced here), then ours.
    for (const h of grpc ? lc.grpcHeaders : lc.proxyHeaders) if (!names.has(String(h.args[0]).toLowerCase())) out.push(h);
    for (const [h, v] of setHeaders) out.push(d(px, headerNameToken(h), v === '""' ? litQuoted("") : lit(v)));
  }
  return out;
}

/** The cache zone of auth-cache-key: bounded (10 MB of keys, 128 MB of answers, 30 min unused),
 * under the prefix's tmp/ (nginx's own writable directory). */
export const AUTH_CACHE_ZONE = "portico_auth_cache";
export function authCachePath(): Directive {
  return d(
    "proxy_cache_path",
    lit("tmp/auth-cache"),
    lit("levels=1:2"),
    lit(`keys_zone=${AUTH_CACHE_ZONE}:10m`),
    lit("max_size=128m"),
    lit("inactive=30m"),
    lit("use_temp_path=off"),
  );
}

/** The internal locations of the external authentications the server's locations use. `host` is the
 * server's (or "_"): cached answers are keyed by it and the auth location, so one host's (one
 * tenant's) cached answers are never read for another. */
export function authLocations(uses: AuthUse[], lc: LocationContext, host: string): Directive[] {
  const seen = new Set<string>();
  const out: Directive[] = [];
  // One location per authentication, traced to every Ingress whose locations use it.
  const users = new Map<string, (Origin | undefined)[]>();
  for (const use of uses) {
    const id = authId(use);
    users.set(id, [...(users.get(id) ?? []), use.origin]);
  }
  for (const use of uses) {
    const a = use.auth;
    const id = authId(use);
    if (seen.has(id)) continue;
    seen.add(id);
    const body: Directive[] = [d("internal"), d("set", lit("$portico_upstream"), upstreamNameToken(use.upstream))];
    if (usesEscapedRequestUri(a.url) || (a.requestRedirect && usesEscapedRequestUri(a.requestRedirect))) body.push(ESCAPED_URI);
    body.push(
      d("proxy_pass_request_body", lit("off")),
      d("proxy_set_header", lit("Content-Length"), litQuoted("")),
      d("proxy_set_header", lit("X-Forwarded-Proto"), litQuoted("")),
      d("proxy_set_header", lit("X-Request-ID"), lit("$request_id")),
    );
    if (a.method) {
      body.push(
        d("proxy_method", methodToken(a.method)),
        d("proxy_set_header", lit("X-Original-URI"), lit("$request_uri")),
        d("proxy_set_header", lit("X-Scheme"), lit("$scheme")),
      );
    }
    body.push(
      d("proxy_set_header", lit("Host"), urlHostToken(a.url)),
      d("proxy_set_header", lit("X-Original-URL"), lit("$scheme://$http_host$request_uri")),
      d("proxy_set_header", lit("X-Original-Method"), lit("$request_method")),
      d("proxy_set_header", lit("X-Sent-From"), litQuoted("nginx-ingress-controller")),
      d("proxy_set_header", lit("X-Real-IP"), lit("$remote_addr")),
      d("proxy_set_header", lit("X-Forwarded-For"), lit("$remote_addr")),
      d(
        "proxy_set_header",
        lit("X-Auth-Request-Redirect"),
        a.requestRedirect ? urlWithVariablesToken(a.requestRedirect, { allowPath: true }) : lit("$request_uri"),
      ),
      d("proxy_pass_request_headers", lit("on")),
      ...(a.cache
        ? [
            d("proxy_cache", lit(AUTH_CACHE_ZONE)),
            d("proxy_cache_key", authCacheKeyToken(host, authPath(use), a.cache.key)),
            ...a.cache.valid.map((v) => d("proxy_cache_valid", ...cacheValid(v))),
            d("proxy_buffering", lit("on")),
          ]
        : []),
      // auth-proxy-set-headers: after Portico's own, so dedupeHeaderDirectives keeps the user's value.
      ...(a.proxySetHeaders ?? []).map((h) => d("proxy_set_header", headerNameToken(h.name), headerValueToken(h.value, HEADER_VARIABLES))),
      d("proxy_ssl_server_name", lit("on")),
      d("proxy_http_version", lit("1.1")),
      // A variable: the host is resolved at request time (settings.resolvers), so an unresolvable
      // name fails this location only, never the config.
      d("set", lit("$portico_auth_target"), urlWithVariablesToken(a.url)),
      d("proxy_pass", lit("$portico_auth_target")),
    );
    out.push(sourced(users.get(id), b("location", [lit("="), pathToken(authPath(use))], dedupeHeaderDirectives(body))));
    if (a.signin) {
      out.push(
        sourced(
          users.get(id),
          b(
            "location",
            [lit(signinName(use))],
            [
              ESCAPED_URI,
              ...lc.addHeaders,
              d("add_header", lit("Set-Cookie"), lit("$portico_auth_cookie")),
              d("return", int(302), urlWithVariablesToken(signinUrl(a.signin, a.signinRedirectParam), { allowPath: true })),
            ],
          ),
        ),
      );
    }
  }
  return out;
}

function cacheValid(entry: string) {
  const r = cacheValidArgs(entry, "auth-cache-duration");
  if (!r.ok) throw new Error(`access: ${r.error}`); // validated by the annotation
  return r.value;
}

/** ingress-nginx's rule: the original URL is added as <param>= unless the sign-in URL already has it. */
export function signinUrl(signin: string, param: string): string {
  const q = signin.indexOf("?");
  const query = q < 0 ? "" : signin.slice(q + 1);
  if (query.split("&").some((kv) => kv.split("=")[0] === param)) return signin;
  return `${signin}${q < 0 ? "?" : "&"}${param}=$scheme://$http_host$escaped_request_uri`;
}
