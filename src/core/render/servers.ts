// Server blocks: one per host, the default server, the internal default backend and the control
// server the agent talks to.

import type { RenderOptions } from "../contract.js";
import type { LocationModel, ServerModel, Model, Origin, RedirectServerModel } from "../model/types.js";
import {
  hostRedirectToken,
  ifUriMatchesArgs,
  int,
  lit,
  litQuoted,
  listenToken,
  pathToken,
  redirectUrlToken,
  serverNameToken,
  statusToken,
  wwwRedirectToken,
} from "../nginx-values.js";
import { authLocations, type LocationContext } from "./access.js";
import { clientCertDirectives, withClientCertHeaders } from "./client-certs.js";
import { DYNAMIC_ROUTE_LOCATIONS } from "./dynamic-routes.js";
import { errorLocations, locationBlock, notFoundDirectives, routedFallbackBlock, sslRedirectDirective } from "./location.js";
import { placeLocations, type PlacedLocation } from "./locations.js";
import { mirrorLocations } from "./mirror.js";
import { allSourced, attributed, originKey, sourced } from "./render-error.js";
import { b, d, luaBlock, type Directive } from "./writer.js";

const clearUpstream = () => d("set", lit("$portico_upstream"), litQuoted(""));

// Certificates are set only in servers that listen with ssl: nginx builds one SSL context per
// server that has ssl_certificate, so inheriting it from http{} would cost one per host.
// With an SNI router in front (tlsFront: ssl-passthrough hosts exist), HTTPS listens on the
// internal port behind it, which speaks PROXY protocol so the client address survives the hop.
function listens(o: RenderOptions, https: boolean, defaultServer: boolean, tlsFront: boolean): Directive[] {
  const extra = defaultServer ? [lit("default_server")] : [];
  const out = [d("listen", listenToken(o.listenAddress, o.httpPort), ...extra)];
  if (https) {
    out.push(
      tlsFront
        ? d("listen", listenToken("127.0.0.1", o.httpsInternalPort), lit("ssl"), lit("http2"), lit("proxy_protocol"), ...extra)
        : d("listen", listenToken(o.listenAddress, o.httpsPort), lit("ssl"), lit("http2"), ...extra),
      // Relative to the config file's directory, where the agent writes the generated default cert;
      // the Lua hook replaces it by the certificate for the SNI name (DesiredState.sniCertificates).
      d("ssl_certificate", lit("default.crt")),
      d("ssl_certificate_key", lit("default.key")),
      luaBlock("ssl_certificate_by_lua_block", "portico.certificate()"),
    );
    // The client address of HTTPS requests is the one the router read (PROXY protocol). Server
    // level: this replaces http-level real_ip settings for these servers.
    if (tlsFront) out.push(d("set_real_ip_from", lit("127.0.0.1")), d("real_ip_header", lit("proxy_protocol")));
  }
  return out;
}

/** The locations, then the internal locations of the external authentications they use. */
function locationBlocks(host: string, locations: LocationModel[], regexMode: boolean, fallback: LocationModel, lc: LocationContext): Directive[] {
  const placed = placeLocations(locations, regexMode, fallback);
  // A host's 404 fallback asks Lua first (paths its table adds before the reload); the default
  // server's portico.route() covers its own.
  const routed = (p: PlacedLocation) => host !== "_" && p.loc === fallback && fallback.action.kind === "notFound" && p.modifier === "" && p.pattern === "/";
  const auths = placed.flatMap((p) =>
    p.loc.access?.external && !p.loc.access.denied && p.loc.action.kind === "proxy"
      ? [{ auth: p.loc.access.external, upstream: p.loc.action.upstream, origin: p.loc.origin }]
      : [],
  );
  const mirrors = placed.flatMap((p) =>
    p.loc.mirror && !p.loc.access?.denied && p.loc.action.kind === "proxy"
      ? [{ mirror: p.loc.mirror, upstream: p.loc.action.upstream, origin: p.loc.origin }]
      : [],
  );
  return [
    ...placed.map((p) =>
      routed(p)
        ? routedFallbackBlock(fallback.sslRedirect)
        : sourced(
            p.loc.origin,
            attributed(p.loc.origin, () => locationBlock(p, lc)),
          ),
    ),
    ...authLocations(auths, lc, host),
    ...mirrorLocations(mirrors, lc),
    ...errorLocations([...locations, fallback], lc),
  ];
}

/** The Ingresses that serve a host: its locations' and its fallback's. */
const hostOrigins = (s: ServerModel) => [...s.locations.map((l) => l.origin), s.fallback.origin];

/** server_name: the host (its Ingresses'), then the aliases of each Ingress on a line of their own,
 * so an nginx -t error there names the Ingress whose server-alias it is. */
function serverNames(s: ServerModel): Directive[] {
  const out = [sourced(hostOrigins(s), d("server_name", serverNameToken(s.host)))];
  const byIngress = new Map<string, { origin: Origin; names: string[] }>();
  for (const a of s.aliases ?? []) {
    const key = originKey(a.origin);
    if (!byIngress.has(key)) byIngress.set(key, { origin: a.origin, names: [] });
    byIngress.get(key)!.names.push(a.name);
  }
  for (const { origin, names } of byIngress.values()) out.push(sourced(origin, d("server_name", ...names.map(serverNameToken))));
  return out;
}

export function hostServer(s: ServerModel, o: RenderOptions, http: LocationContext, tlsFront: boolean): Directive {
  const body: Directive[] = [...listens(o, s.tls || !!s.clientCerts, false, tlsFront), ...serverNames(s), clearUpstream()];
  let lc = http;
  if (s.clientCerts) {
    // Locations that set no request header of their own inherit the server's list.
    lc = withClientCertHeaders(http, s.clientCerts);
    const cc = s.clientCerts;
    body.push(
      ...allSourced(
        cc.origin,
        attributed(cc.origin, () => clientCertDirectives(cc, o.httpsPort)),
      ),
      ...lc.proxyHeaders,
      ...lc.grpcHeaders,
    );
  }
  if (s.redirect) {
    // host-redirects: the whole host answers the redirect, whatever the path.
    const r = s.redirect;
    body.push(
      sourced(
        r.origin,
        attributed(r.origin, () => d("return", int(r.code), hostRedirectToken(r.target))),
      ),
    );
    return b("server", [], body);
  }
  // Regex deny-paths run before location selection, so no location (not even a `^~` prefix) escapes them.
  for (const r of s.denyRegexes ?? [])
    body.push(
      sourced(
        r.origin,
        attributed(r.origin, () => b("if", ifUriMatchesArgs(r.path, r.caseInsensitive), [d("return", statusToken(r.status))])),
      ),
    );
  if (s.appRoot) {
    const target = attributed(s.appRootOrigin, () => redirectUrlToken(s.appRoot!));
    body.push(sourced(s.appRootOrigin, b("if", [lit("($uri"), lit("="), lit("/)")], [d("return", int(302), target)])));
  }
  body.push(...locationBlocks(s.host, s.locations, s.regexMode, s.fallback, lc));
  return b("server", [], body);
}

/** from-to-www-redirect: a server for the twin name that only redirects (308) to the rule host. */
export function redirectServer(s: RedirectServerModel, o: RenderOptions, tlsFront: boolean): Directive {
  return sourced(
    s.origin,
    b("server", [], [...listens(o, s.tls, false, tlsFront), d("server_name", serverNameToken(s.host)), d("return", int(308), wwwRedirectToken(s.target))]),
  );
}

export function defaultServer(m: Model["defaultServer"], o: RenderOptions, lc: LocationContext, tlsFront: boolean): Directive {
  const body: Directive[] = [...listens(o, true, true, tlsFront), d("server_name", lit("_")), clearUpstream()];
  // Hosts the running config has no server for yet go live from Lua routing tables before the
  // reload that adds their servers (dynamic-routes.ts): portico.route() answers them here.
  body.push(luaBlock("rewrite_by_lua_block", "portico.route()"));
  body.push(...locationBlocks("_", m.locations, m.regexMode, m.fallback, lc));
  body.push(...dynamicRouteLocations(lc));
  return b("server", [], body);
}

/** Where portico.route() sends a request of a pending host: the same directives a plain host
 * server's locations hold (dynamic-routes.ts checks each server it serves this way against them). */
function dynamicRouteLocations(lc: LocationContext): Directive[] {
  const redirect = sslRedirectDirective(lc.httpsPort).block!;
  return [
    b("location", [lit(DYNAMIC_ROUTE_LOCATIONS.proxy)], [d("proxy_pass", lit("http://portico_upstream"))]),
    b("location", [lit(DYNAMIC_ROUTE_LOCATIONS.httpsRedirect)], redirect),
    b("location", [lit(DYNAMIC_ROUTE_LOCATIONS.notFound)], notFoundDirectives()),
  ];
}

/** The default backend inside nginx: a 404 page and /healthz, on 127.0.0.1:defaultBackendPort. */
export function defaultBackendServer(o: RenderOptions): Directive {
  return b(
    "server",
    [],
    [
      d("listen", listenToken("127.0.0.1", o.defaultBackendPort)),
      d("access_log", lit("off")),
      clearUpstream(),
      b("location", [lit("="), pathToken("/healthz")], [d("default_type", lit("text/plain")), d("return", int(200), litQuoted("ok"))]),
      b("location", [pathToken("/")], notFoundDirectives()),
    ],
  );
}

/** Address of nginx's own "unavailable" server; its port is the default backend's (the pair is
 * free: only 127.0.0.1 listens on that port). portico.lua's balancer (config.unavailable_addr)
 * sends a request there when its upstream has no ready endpoint. */
export const UNAVAILABLE_ADDRESS = "127.0.0.2";

/** Answers noEndpointStatus to anything: the peer the balancer picks when an upstream has no
 * endpoint, so HTTP locations need no access-phase Lua handler to answer that themselves. */
export function unavailableServer(o: RenderOptions, status: number): Directive {
  return b(
    "server",
    [],
    [
      d("listen", listenToken(UNAVAILABLE_ADDRESS, o.defaultBackendPort)),
      d("access_log", lit("off")),
      clearUpstream(),
      b("location", [pathToken("/")], [d("return", statusToken(status, 500, 599))]),
    ],
  );
}

/** The data plane's probe endpoint: a port of its own, so no Ingress rule (hostless /healthz, a
 * catch-all) can shadow it and make every replica unready. */
export function probeServer(o: RenderOptions): Directive {
  return b(
    "server",
    [],
    [
      d("listen", listenToken(o.listenAddress, o.probePort)),
      d("access_log", lit("off")),
      clearUpstream(),
      b("location", [lit("="), pathToken("/healthz")], [d("default_type", lit("text/plain")), d("return", int(200), litQuoted("ok"))]),
      b("location", [pathToken("/")], [d("return", int(404))]),
    ],
  );
}

/** Loopback-only server for the agent: health, stub_status and the Lua control API. */
export function controlServer(o: RenderOptions): Directive {
  return b(
    "server",
    [],
    [
      d("listen", listenToken("127.0.0.1", o.controlPort)),
      d("access_log", lit("off")),
      clearUpstream(),
      b("location", [lit("="), pathToken("/healthz")], [d("default_type", lit("text/plain")), d("return", int(200), litQuoted("ok"))]),
      b("location", [lit("="), pathToken("/nginx_status")], [d("stub_status")]),
      b(
        "location",
        [pathToken("/portico/")],
        [d("client_max_body_size", lit("256m")), d("client_body_buffer_size", lit("256m")), luaBlock("content_by_lua_block", "portico.control()")],
      ),
    ],
  );
}
