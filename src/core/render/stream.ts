// stream {} from tcp-services / udp-services: static upstreams (no stream Lua on Debian).

import type { RenderOptions } from "../contract.js";
import type { StreamServerModel } from "../model/types.js";
import { bareNameToken, endpointToken, lit, listenToken, seconds } from "../nginx-values.js";
import { b, d, type Directive } from "./writer.js";

export function streamBlock(servers: StreamServerModel[], o: RenderOptions, connectTimeout: number): Directive | undefined {
  if (servers.length === 0) return undefined;
  const body: Directive[] = [];
  for (const s of servers) {
    const members = s.endpoints.length
      ? s.endpoints.map((e) => d("server", endpointToken(e.address, e.port)))
      : // nginx needs a member; a down one refuses connections until endpoints appear.
        [d("server", lit("0.0.0.1:1"), lit("down"))];
    body.push(b("upstream", [bareNameToken(s.upstream)], members));
  }
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
