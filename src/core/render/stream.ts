// stream {} from tcp-services / udp-services and the ssl-passthrough SNI router: static upstreams
// (no stream Lua on Debian), so their endpoint changes reload nginx.

import type { RenderOptions, UpstreamEndpoint } from "../contract.js";
import type { PassthroughModel, StreamServerModel } from "../model/types.js";
import { bareNameToken, endpointToken, lit, listenToken, seconds, sniMapKeyToken } from "../nginx-values.js";
import { sourced } from "./render-error.js";
import { b, d, entry, type Directive } from "./writer.js";

function members(endpoints: UpstreamEndpoint[]): Directive[] {
  return endpoints.length
    ? endpoints.map((e) => d("server", endpointToken(e.address, e.port)))
    : // nginx needs a member; a down one refuses connections until endpoints appear.
      [d("server", lit("0.0.0.1:1"), lit("down"))];
}

/**
 * The SNI router (ssl_preread) on the HTTPS port: passthrough hosts go to the internal passthrough
 * server, everything else to the HTTPS listener on its internal port, both with a PROXY header
 * (the client address). The passthrough server strips it, reads the SNI again and forwards the
 * TLS bytes untouched to the host's backend, which answers with its own certificate.
 */
function passthroughRouter(pt: PassthroughModel[], o: RenderOptions, connectTimeout: number): Directive[] {
  const upstreams = [...new Set(pt.map((p) => p.upstream))].sort();
  const nameOf = (upstream: string) => `portico_passthrough_${upstreams.indexOf(upstream)}`;
  const out: Directive[] = [
    // Room for the longest host name (253 characters) in the SNI maps (the default 64 is not).
    d("map_hash_bucket_size", lit("512")),
    b("upstream", [lit("portico_tls_https")], [d("server", endpointToken("127.0.0.1", o.httpsInternalPort))]),
    b("upstream", [lit("portico_tls_passthrough")], [d("server", endpointToken("127.0.0.1", o.passthroughInternalPort))]),
    b(
      "map",
      [lit("$ssl_preread_server_name"), lit("$portico_tls_front")],
      [...pt.map((p) => sourced(p.origin, entry(sniMapKeyToken(p.host), lit("portico_tls_passthrough")))), d("default", lit("portico_tls_https"))],
    ),
  ];
  for (const u of upstreams) {
    const users = pt.filter((p) => p.upstream === u);
    out.push(
      sourced(
        users.map((p) => p.origin),
        b("upstream", [bareNameToken(nameOf(u))], members(users[0]!.endpoints)),
      ),
    );
  }
  out.push(
    b(
      "map",
      [lit("$ssl_preread_server_name"), lit("$portico_tls_backend")],
      [
        ...pt.map((p) => sourced(p.origin, entry(sniMapKeyToken(p.host), bareNameToken(nameOf(p.upstream))))),
        // Unreachable (the router sends only passthrough names here); refuse rather than guess.
        d("default", lit("portico_tls_https")),
      ],
    ),
    b(
      "server",
      [],
      [
        d("listen", listenToken(o.listenAddress, o.httpsPort)),
        d("ssl_preread", lit("on")),
        d("proxy_protocol", lit("on")),
        d("proxy_pass", lit("$portico_tls_front")),
        d("proxy_connect_timeout", seconds(connectTimeout)),
      ],
    ),
    b(
      "server",
      [],
      [
        d("listen", listenToken("127.0.0.1", o.passthroughInternalPort), lit("proxy_protocol")),
        d("ssl_preread", lit("on")),
        d("proxy_pass", lit("$portico_tls_backend")),
        d("proxy_connect_timeout", seconds(connectTimeout)),
      ],
    ),
  );
  return out;
}

export function streamBlock(servers: StreamServerModel[], pt: PassthroughModel[], o: RenderOptions, connectTimeout: number): Directive | undefined {
  if (servers.length === 0 && pt.length === 0) return undefined;
  const body: Directive[] = pt.length ? passthroughRouter(pt, o, connectTimeout) : [];
  for (const s of servers) body.push(b("upstream", [bareNameToken(s.upstream)], members(s.endpoints)));
  for (const s of servers) {
    const listen = [listenToken(o.listenAddress, s.port)];
    if (s.protocol === "udp") listen.push(lit("udp"));
    if (s.decodeProxyProtocol) listen.push(lit("proxy_protocol"));
    const server: Directive[] = [d("listen", ...listen), d("proxy_pass", bareNameToken(s.upstream)), d("proxy_connect_timeout", seconds(connectTimeout))];
    if (s.sendProxyProtocol) server.push(d("proxy_protocol", lit("on")));
    body.push(b("server", [], server));
  }
  return b("stream", [], body);
}
