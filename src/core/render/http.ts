// The http {} block: global settings, header maps, Lua hooks and the single balancer upstream.

import type { RenderOptions } from "../contract.js";
import type { LocationModel, Model, Origin } from "../model/types.js";
import { sourced } from "./render-error.js";
import type { Settings } from "../settings.js";
import { authCachePath, type LocationContext } from "./access.js";
import {
  accessLogBufferArgs,
  cidrToken,
  endpointToken,
  hstsToken,
  int,
  lit,
  litQuoted,
  litSingleQuoted,
  luaStringToken,
  parseSize,
  seconds,
} from "../nginx-values.js";
import { MIME_TYPES } from "./mime.js";
import { NOT_FOUND_PAGE } from "./location.js";
import { upstreamPool } from "./proxy-tuning.js";
import { limitZoneDirectives } from "./limits.js";
import { certificateDictMiB } from "./shared-dicts.js";
import { modsecurityHttpDirectives, wafUsage } from "./modsecurity.js";
import {
  controlServer,
  defaultBackendServer,
  defaultServer,
  hostServer,
  probeServer,
  redirectServer,
  UNAVAILABLE_ADDRESS,
  unavailableServer,
} from "./servers.js";
import { b, d, entry, luaBlock, type Directive } from "./writer.js";

const JSON_LOG =
  '{"time":"$time_iso8601","remote_addr":"$remote_addr","x_forwarded_for":"$http_x_forwarded_for","request_id":"$request_id",' +
  '"host":"$host","method":"$request_method","uri":"$request_uri","protocol":"$server_protocol","status":$status,' +
  '"bytes_sent":$bytes_sent,"request_length":$request_length,"request_time":$request_time,"upstream":"$portico_upstream",' +
  '"upstream_addr":"$upstream_addr","upstream_status":"$upstream_status","upstream_response_time":"$upstream_response_time",' +
  '"user_agent":"$http_user_agent","referer":"$http_referer"}';

function map(source: string, variable: string, entries: [string, string][]): Directive {
  const tok = (v: string) => (v === "" ? litQuoted("") : lit(v));
  return b(
    "map",
    [lit(source), lit(variable)],
    entries.map(([k, v]) => (k === "default" ? d("default", tok(v)) : entry(tok(k), tok(v)))),
  );
}

export function httpBlock(m: Model, s: Settings, o: RenderOptions): Directive {
  const body: Directive[] = [
    d("lua_package_path", litQuoted("$prefix/lua/?.lua;;")),
    d("lua_shared_dict", lit("portico_endpoints"), lit("64m")),
    d("lua_shared_dict", lit("portico_certificates"), lit(`${certificateDictMiB(m.sniCertificates, m.certificates)}m`)),
    d("lua_shared_dict", lit("portico_state"), lit("1m")),
    luaBlock(
      "init_by_lua_block",
      `portico = require("portico")\nportico.configure({ no_endpoint_status = ${int(s.noEndpointStatus)}, unavailable_addr = "${UNAVAILABLE_ADDRESS}", unavailable_port = ${int(o.defaultBackendPort)}, https_port = ${int(o.publicHttpsPort ?? o.httpsPort)}, not_found_page = ${luaStringToken(NOT_FOUND_PAGE)} })`,
    ),
    luaBlock("init_worker_by_lua_block", "portico.init_worker()"),
    // The default server's portico.route() runs before its locations' own rewrite directives (a
    // `return` there would otherwise answer first); besides it, only host servers' 404 fallbacks
    // (portico.fallback()) have a rewrite_by_lua.
    d("rewrite_by_lua_no_postpone", lit("on")),
    b(
      "types",
      [],
      MIME_TYPES.map(([type, exts]) => entry(lit(type), ...exts.map(lit))),
    ),
    d("default_type", lit("application/octet-stream")),
    d("sendfile", lit("on")),
    d("tcp_nopush", lit("on")),
    d("tcp_nodelay", lit("on")),
    d("server_tokens", lit(s.serverTokens ? "on" : "off")),
    d("keepalive_timeout", seconds(s.keepaliveTimeoutSeconds)),
    d("keepalive_requests", int(s.keepaliveRequests)),
    d("client_header_timeout", seconds(s.clientHeaderTimeoutSeconds)),
    d("client_body_timeout", seconds(s.clientBodyTimeoutSeconds)),
    d("client_max_body_size", sizeOf(s.proxyBodySize)),
    ...serverNamesHash(m),
    // Temp files (request bodies, buffered responses) under the prefix's tmp/: in the pod that is the
    // nginx container's bounded /tmp volume, never the volume the configs live in.
    d("client_body_temp_path", lit("tmp/client_body")),
    d("proxy_temp_path", lit("tmp/proxy")),
    d("fastcgi_temp_path", lit("tmp/fastcgi")),
    d("uwsgi_temp_path", lit("tmp/uwsgi")),
    d("scgi_temp_path", lit("tmp/scgi")),
    d("proxy_max_temp_file_size", sizeOf(s.proxyMaxTempFileSize, "settings.proxyMaxTempFileSize")),
    d("log_format", lit("portico_json"), lit("escape=json"), litSingleQuoted(JSON_LOG)),
    s.accessLog ? accessLogOn(s) : d("access_log", lit("off")),
  ];
  if (s.proxyRealIpCidrs.length) {
    for (const c of s.proxyRealIpCidrs) body.push(d("set_real_ip_from", cidrToken(c)));
    body.push(d("real_ip_header", lit("X-Forwarded-For")), d("real_ip_recursive", lit("on")));
  }
  body.push(d("ssl_protocols", ...s.sslProtocols.map((p) => lit(p))), d("ssl_session_cache", lit("shared:SSL:10m")), d("ssl_session_timeout", lit("10m")));

  // Forwarded headers: trusted from the client only when settings.useForwardedHeaders.
  body.push(
    map("$http_host", "$portico_best_http_host", [
      ["default", "$http_host"],
      ["", "$host"],
    ]),
    map("$http_upgrade", "$portico_connection_upgrade", [
      ["default", "upgrade"],
      ["", ""],
    ]),
  );
  // Behind the SNI router, HTTPS arrives on an internal port: the port the client used is the one
  // the PROXY header names.
  const serverPort = m.passthrough.length > 0 ? "$portico_server_port" : "$server_port";
  if (m.passthrough.length > 0) {
    body.push(
      map("$proxy_protocol_server_port", "$portico_server_port", [
        ["default", "$proxy_protocol_server_port"],
        ["", "$server_port"],
      ]),
    );
  }
  if (s.useForwardedHeaders) {
    body.push(
      map("$http_x_forwarded_proto", "$portico_forwarded_proto", [
        ["default", "$http_x_forwarded_proto"],
        ["", "$scheme"],
      ]),
      map("$http_x_forwarded_host", "$portico_forwarded_host", [
        ["default", "$http_x_forwarded_host"],
        ["", "$portico_best_http_host"],
      ]),
      map("$http_x_forwarded_port", "$portico_forwarded_port", [
        ["default", "$http_x_forwarded_port"],
        ["", serverPort],
      ]),
    );
  }
  const fwd = s.useForwardedHeaders
    ? { proto: "$portico_forwarded_proto", host: "$portico_forwarded_host", port: "$portico_forwarded_port", xff: "$proxy_add_x_forwarded_for" }
    : { proto: "$scheme", host: "$portico_best_http_host", port: serverPort, xff: "$remote_addr" };
  const addHeaders: Directive[] = [];
  if (s.hsts) {
    body.push(
      b(
        "map",
        [lit("$scheme"), lit("$portico_hsts")],
        [entry(lit("https"), hstsToken(s.hstsMaxAgeSeconds, s.hstsIncludeSubdomains, s.hstsPreload)), d("default", litQuoted(""))],
      ),
    );
    addHeaders.push(d("add_header", lit("Strict-Transport-Security"), lit("$portico_hsts"), lit("always")));
    body.push(...addHeaders);
  }
  if (s.resolvers.length) body.push(d("resolver", ...s.resolvers.map(resolverToken), lit("valid=30s")), d("resolver_timeout", lit("5s")));
  const headers: [string, string][] = [
    ["Host", "$portico_best_http_host"],
    ["X-Request-ID", "$request_id"],
    ["X-Real-IP", "$remote_addr"],
    ["X-Forwarded-For", fwd.xff],
    ["X-Forwarded-Proto", fwd.proto],
    ["X-Forwarded-Host", fwd.host],
    ["X-Forwarded-Port", fwd.port],
    ["X-Scheme", fwd.proto],
  ];
  const proxyHeaders = [
    d("proxy_set_header", lit("Upgrade"), lit("$http_upgrade")),
    d("proxy_set_header", lit("Connection"), lit("$portico_connection_upgrade")),
    ...headers.map(([h, v]) => d("proxy_set_header", lit(h), lit(v))),
  ];
  const grpcHeaders = headers.map(([h, v]) => d("grpc_set_header", lit(h), lit(v)));
  if (usesAuthCache(m)) body.push(authCachePath());
  const waf = wafUsage(m);
  body.push(...modsecurityHttpDirectives(waf));
  const lc: LocationContext = {
    httpsPort: o.publicHttpsPort ?? o.httpsPort,
    crsLoaded: waf.crs,
    proxyHeaders,
    grpcHeaders,
    addHeaders,
    accessLog: s.accessLog ? undefined : accessLogOn(s),
    ewmaUpstreams: ewmaUpstreams(m),
  };
  body.push(
    d("proxy_http_version", lit("1.1")),
    ...proxyHeaders,
    ...grpcHeaders,
    d("proxy_redirect", lit("off")),
    d("proxy_connect_timeout", seconds(s.proxyConnectTimeoutSeconds)),
    d("proxy_read_timeout", seconds(s.proxyReadTimeoutSeconds)),
    d("proxy_send_timeout", seconds(s.proxySendTimeoutSeconds)),
    d("grpc_connect_timeout", seconds(s.proxyConnectTimeoutSeconds)),
    d("grpc_read_timeout", seconds(s.proxyReadTimeoutSeconds)),
    d("grpc_send_timeout", seconds(s.proxySendTimeoutSeconds)),
  );
  // No http-level Lua phase handler: the balancer decides canary, default-backend fallback and
  // "no endpoint" (see portico.lua balance()); locations that need an access or log phase in Lua
  // (non-HTTP backends, ewma upstreams) get it in their own block (location.ts).

  const upstream: Directive[] = [d("server", lit("0.0.0.1:1")), luaBlock("balancer_by_lua_block", "portico.balance()")];
  if (s.upstreamKeepaliveConnections > 0) {
    upstream.push(
      d("keepalive", int(s.upstreamKeepaliveConnections)),
      d("keepalive_timeout", seconds(s.upstreamKeepaliveTimeoutSeconds)),
      d("keepalive_requests", int(s.keepaliveRequests)),
    );
  }
  for (const [pool, users] of upstreamPools(m)) body.push(sourced(users, b("upstream", [lit(pool)], upstream)));

  const tlsFront = m.passthrough.length > 0;
  body.push(...limitZoneDirectives(m.limitZones ?? []));
  body.push(
    defaultServer(m.defaultServer, o, lc, tlsFront),
    defaultBackendServer(o),
    unavailableServer(o, s.noEndpointStatus),
    probeServer(o),
    controlServer(o),
  );
  for (const server of m.servers) body.push(hostServer(server, o, lc, tlsFront));
  for (const r of m.redirectServers ?? []) body.push(redirectServer(r, o, tlsFront));
  return b("http", [], body);
}

/** Upstreams balanced by ewma, directly or as a canary: their locations learn response times in the log phase. */
function ewmaUpstreams(m: Model): Set<string> {
  const out = new Set<string>();
  for (const [name, b] of Object.entries(m.balancing)) {
    if (b.loadBalance === "ewma") out.add(name);
  }
  for (const [name, b] of Object.entries(m.balancing)) {
    if (b.canary && out.has(b.canary.upstream)) out.add(name);
  }
  return out;
}

/** A resolver address (schema-validated IP literal), as nginx wants it: IPv6 in brackets. */
function resolverToken(ip: string) {
  return lit(endpointToken(ip, 53).replace(/:53$/, ""));
}

/** The access_log directive of the setting's format, buffered as the settings say. */
function accessLogOn(s: Settings): Directive {
  const format = lit(s.logFormat === "json" ? "portico_json" : "combined");
  // To the nginx container's stdout (the kubelet rotates it), never a file that grows in a volume.
  return d("access_log", lit("/dev/stdout"), format, ...accessLogBufferArgs(s.accessLogBufferKiB, s.accessLogFlushSeconds));
}

function sizeOf(v: string, field = "settings.proxyBodySize") {
  const r = parseSize(v, field);
  if (!r.ok) throw new Error(r.error); // settings are schema-validated before they reach core
  return r.value;
}

/** nginx refuses to start when many or long server names do not fit its default hash sizes. */
function serverNamesHash(m: Model): Directive[] {
  const longest = m.servers.reduce((n, s) => Math.max(n, s.host.length + 16), 64);
  // Many names per bucket make nginx search long for a fitting table size (and warn): widen early.
  let bucket = m.servers.length > 1000 ? 128 : 64;
  while (bucket < longest) bucket *= 2;
  let max = 512;
  while (max < m.servers.length * 2) max *= 2;
  return [d("server_names_hash_bucket_size", int(bucket)), d("server_names_hash_max_size", int(max))];
}

/** Some location caches its external authentication's answers (auth-cache-key): the zone is declared. */
function usesAuthCache(m: Model): boolean {
  const all = [...m.servers.flatMap((s) => [...s.locations, s.fallback]), ...m.defaultServer.locations, m.defaultServer.fallback];
  return all.some((l) => l.access?.external?.cache !== undefined && !l.access.denied);
}

/** portico_upstream and one pool per distinct backend TLS setting of the model's locations, with
 * the Ingresses whose locations use each pool (portico_upstream is everyone's: none). */
function upstreamPools(m: Model): [string, (Origin | undefined)[]][] {
  const pools = new Map<string, (Origin | undefined)[]>([["portico_upstream", []]]);
  const add = (l: LocationModel) => {
    if (l.action.kind !== "proxy" || !l.proxy?.ssl) return;
    const pool = upstreamPool(l.proxy.ssl);
    pools.set(pool, [...(pools.get(pool) ?? []), l.origin]);
  };
  for (const s of m.servers) {
    s.locations.forEach(add);
    add(s.fallback);
  }
  m.defaultServer.locations.forEach(add);
  add(m.defaultServer.fallback);
  return [...pools].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
