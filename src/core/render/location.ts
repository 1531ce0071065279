// One model location -> one `location` block.

import {
  bodyTextToken,
  bodyToken,
  contentTypeToken,
  errorLocationName,
  ifHeaderEmptyArgs,
  int,
  lit,
  objectNameToken,
  pathToken,
  redirectUrlToken,
  regexToken,
  rewritePatternToken,
  rewriteTargetToken,
  seconds,
  statusToken,
  upstreamNameToken,
  type Token,
} from "../nginx-values.js";
import type { LocationModel, Origin } from "../model/types.js";
import { sourced } from "./render-error.js";
import type { PlacedLocation } from "./locations.js";
import { limitDirectives } from "./limits.js";
import { wafDirectives } from "./modsecurity.js";
import { mirrorDirectives } from "./mirror.js";
import { accessPhase, accessRewrite, type LocationContext } from "./access.js";
import { addedResponseHeaders, dedupeHeaderDirectives, proxyTuningDirectives, upstreamPool } from "./proxy-tuning.js";
import { FALLBACK_HOOK } from "./dynamic-routes.js";
import { b, d, luaBlock, type Directive } from "./writer.js";

export const NOT_FOUND_BODY =
  "<html>\n<head><title>404 Not Found</title></head>\n<body>\n<center><h1>404 Not Found</h1></center>\n<hr><center>portico</center>\n</body>\n</html>\n";

/** The 404 page as nginx sends it (one line), and as portico.fallback() sends it (configure()). */
export const NOT_FOUND_PAGE = NOT_FOUND_BODY.replace(/\n/g, " ");

/** `return 404 "<page>"` with a text/html type; our own constant text. */
export function notFoundDirectives(): Directive[] {
  return [d("default_type", lit("text/html")), d("return", int(404), bodyToken(NOT_FOUND_PAGE))];
}

/** A host server's 404 fallback (`location /` when no rule has `/`): portico.fallback() answers the
 * 404 page or the ssl-redirect itself, or, for a path the Lua routing table gives this host before
 * the reload that renders it, sets the upstream the proxy_pass below goes to (dynamic-routes.ts). */
export function routedFallbackBlock(sslRedirect: boolean): Directive {
  return b("location", [pathToken("/")], [luaBlock("rewrite_by_lua_block", FALLBACK_HOOK(sslRedirect)), d("proxy_pass", lit("http://portico_upstream"))]);
}

export function sslRedirectDirective(httpsPort: number): Directive {
  const target = httpsPort === 443 ? "https://$host$request_uri" : `https://$host:${httpsPort}$request_uri`;
  return b("if", [lit("($scheme"), lit("="), lit("http)")], [d("return", int(308), lit(target))]);
}

export function locationBlock(p: PlacedLocation, c: LocationContext): Directive {
  const loc = p.loc;
  const args: Token[] = [];
  if (p.modifier) args.push(lit(p.modifier));
  if (p.modifier === "~" || p.modifier === "~*") args.push(regexToken(p.pattern.slice(1)));
  else args.push(pathToken(p.pattern));
  return b("location", args, dedupeHeaderDirectives(locationBody(loc, c)));
}

function locationBody(loc: LocationModel, c: LocationContext): Directive[] {
  const body: Directive[] = [];
  if (loc.sslRedirect) body.push(sslRedirectDirective(c.httpsPort));
  if (loc.access) body.push(...accessRewrite(loc.access));
  if (loc.access?.denied) return body;
  body.push(...wafDirectives(loc.waf, c.crsLoaded === true));
  if (loc.limits) body.push(...limitDirectives(loc.limits));
  const px = loc.proxy;
  for (const h of px?.requireRequestHeaders ?? []) body.push(b("if", ifHeaderEmptyArgs(h), [d("return", int(401))]));
  if (px?.accessLog === false) body.push(d("access_log", lit("off")));
  else if (px?.accessLog === true && c.accessLog) body.push(c.accessLog);
  body.push(...addedResponseHeaders(px?.responseHeaders, c));
  const action = loc.action;
  if (action.kind === "notFound") return [...body, ...notFoundDirectives()];
  if (action.kind === "redirect") return [...body, d("return", int(action.code), redirectUrlToken(action.url))];
  if (action.kind === "fixed") {
    if (action.contentType !== undefined) body.push(d("default_type", contentTypeToken(action.contentType)));
    return [...body, d("return", statusToken(action.status), ...(action.body !== undefined ? [bodyTextToken(action.body)] : []))];
  }
  const grpc = action.protocol === "GRPC" || action.protocol === "GRPCS";
  const pfx = grpc ? "grpc" : "proxy";
  if (loc.bodySize !== undefined) body.push(d("client_max_body_size", loc.bodySize));
  if (loc.connectTimeout !== undefined) body.push(d(`${pfx}_connect_timeout`, seconds(loc.connectTimeout)));
  if (loc.readTimeout !== undefined) body.push(d(`${pfx}_read_timeout`, seconds(loc.readTimeout)));
  if (loc.sendTimeout !== undefined) body.push(d(`${pfx}_send_timeout`, seconds(loc.sendTimeout)));
  if (px) body.push(...proxyTuningDirectives(px, grpc, c));
  // The balancer answers "no endpoint" by proxying to nginx's own unavailable server, which speaks
  // plain HTTP/1: locations with another backend protocol decide in the access phase instead.
  const luaAccess = action.protocol !== "HTTP";
  if (loc.access) body.push(...accessPhase(loc.access, action.upstream, grpc, c, luaAccess));
  if (luaAccess && !loc.access?.satisfyAny) body.push(luaBlock("access_by_lua_block", "portico.access()"));
  const ewma = c.ewmaUpstreams.has(action.upstream) || (loc.fallbackUpstream !== undefined && c.ewmaUpstreams.has(loc.fallbackUpstream));
  if (ewma) body.push(luaBlock("log_by_lua_block", "portico.log()"));
  if (loc.errors) {
    const e = loc.errors;
    body.push(d(`${pfx}_intercept_errors`, lit("on")));
    for (const code of e.codes) body.push(d("error_page", statusToken(code, 400, 599), lit("="), errorLocationName(e.upstream, code)));
    body.push(
      d("set", lit("$portico_err_namespace"), objectNameToken(e.namespace)),
      d("set", lit("$portico_err_ingress"), objectNameToken(e.ingress)),
      d("set", lit("$portico_err_service"), objectNameToken(e.service)),
      d("set", lit("$portico_err_port"), objectNameToken(e.port)),
    );
  }
  if (loc.mirror) body.push(...mirrorDirectives({ mirror: loc.mirror, upstream: action.upstream }));
  body.push(d("set", lit("$portico_upstream"), upstreamNameToken(action.upstream)));
  if (loc.fallbackUpstream) body.push(d("set", lit("$portico_fallback_upstream"), upstreamNameToken(loc.fallbackUpstream)));
  if (loc.rewrite) body.push(d("rewrite", rewritePatternToken(loc.rewrite.pattern), rewriteTargetToken(loc.rewrite.target), lit("break")));
  const scheme = { HTTP: "http", HTTPS: "https", GRPC: "grpc", GRPCS: "grpcs" }[action.protocol];
  body.push(d(grpc ? "grpc_pass" : "proxy_pass", lit(`${scheme}://${upstreamPool(px?.ssl)}`)));
  return body;
}

/** The named locations custom-http-errors of these locations send to (one per target and code). */
export function errorLocations(locations: LocationModel[], c: LocationContext): Directive[] {
  const seen = new Map<string, Directive>();
  // One named location per target and code, traced to every Ingress whose locations send there.
  const users = new Map<string, (Origin | undefined)[]>();
  for (const loc of locations) {
    const e = loc.errors;
    if (!e) continue;
    for (const code of e.codes) {
      const name = errorLocationName(e.upstream, code);
      users.set(name, [...(users.get(name) ?? []), loc.origin]);
      if (seen.has(name)) continue;
      if (e.upstream === undefined) {
        seen.set(name, b("location", [name], [d("return", statusToken(code, 400, 599))]));
        continue;
      }
      const headers: [string, Token][] = [
        ["X-Code", statusToken(code, 400, 599)],
        ["X-Format", lit("$http_accept")],
        ["X-Original-URI", lit("$request_uri")],
        ["X-Namespace", lit("$portico_err_namespace")],
        ["X-Ingress-Name", lit("$portico_err_ingress")],
        ["X-Service-Name", lit("$portico_err_service")],
        ["X-Service-Port", lit("$portico_err_port")],
      ]; // X-Request-ID is among the request headers already
      seen.set(
        name,
        b(
          "location",
          [name],
          [
            d("proxy_intercept_errors", lit("off")),
            ...c.proxyHeaders,
            ...headers.map(([h, v]) => d("proxy_set_header", lit(h), v)),
            d("set", lit("$portico_upstream"), upstreamNameToken(e.upstream)),
            d("proxy_pass", lit("http://portico_upstream")),
          ],
        ),
      );
    }
  }
  return [...seen.keys()].sort().map((k) => sourced(users.get(k), seen.get(k)!));
}
