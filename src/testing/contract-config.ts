// Hand-written nginx.conf texts that follow the agent contract (docs/notes/agent.md), so agent tests
// do not depend on core's renderer: one HTTP server, optionally one TLS server, upstreams by name.
import { NGINX_TEMP_PATHS } from "./nginx.js";

export interface ContractConfigOptions {
  listen?: string; // default 127.0.0.1
  httpPort: number;
  httpsPort?: number;
  controlPort: number;
  /** path prefix -> upstream name, served on every host. */
  routes: Record<string, string>;
  /** Extra text inside the http server block (e.g. to make a deliberately broken config). */
  extraServerText?: string;
  workers?: number;
  keepalive?: number;
  /** Size of the certificate dictionary (default 64m). */
  certificateDict?: string;
  /** Size of the endpoints dictionary (default 64m). */
  endpointsDict?: string;
}

const MODULES = ["ndk_http_module.so", "ngx_http_lua_module.so", "ngx_stream_module.so"].map((m) => `load_module /usr/lib/nginx/modules/${m};`);

export function contractConfig(o: ContractConfigOptions): string {
  const listen = o.listen ?? "127.0.0.1";
  const locations = Object.entries(o.routes)
    .map(([path, upstream]) => `    location ${path} {\n      set $portico_upstream "${upstream}";\n      proxy_pass http://portico_upstream;\n    }`)
    .join("\n");
  const proxyCommon = `    proxy_http_version 1.1;\n    proxy_set_header Connection "";\n    proxy_set_header Host $host;`;
  const tlsServer = o.httpsPort
    ? `  server {
    listen ${listen}:${o.httpsPort} ssl;
    ssl_certificate default.crt;
    ssl_certificate_key default.key;
    ssl_certificate_by_lua_block { portico.certificate() }
${proxyCommon}
${locations}
  }`
    : "";
  return `${MODULES.join("\n")}
worker_processes ${o.workers ?? 2};
pid tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  uninitialized_variable_warn off;
${NGINX_TEMP_PATHS}
  lua_package_path "$prefix/lua/?.lua;;";
  lua_shared_dict portico_endpoints ${o.endpointsDict ?? "64m"};
  lua_shared_dict portico_certificates ${o.certificateDict ?? "64m"};
  lua_shared_dict portico_state 1m;
  init_by_lua_block { portico = require("portico") portico.configure({ no_endpoint_status = 503, unavailable_addr = "127.0.0.2", unavailable_port = ${o.controlPort} }) }
  init_worker_by_lua_block { portico.init_worker() }
  upstream portico_upstream {
    server 0.0.0.1:1;
    balancer_by_lua_block { portico.balance() }
    keepalive ${o.keepalive ?? 32};
  }
  server {
    listen ${listen}:${o.httpPort};
${proxyCommon}
${locations}
${o.extraServerText ?? ""}
${o.routes["/"] ? "" : "    location / { return 404; }"}
  }
${tlsServer}
  # What the balancer proxies to when an upstream has no endpoint (the renderer's unavailable server).
  server {
    listen 127.0.0.2:${o.controlPort};
    location / { return 503; }
  }
  server {
    listen 127.0.0.1:${o.controlPort};
    client_max_body_size 64m;
    client_body_buffer_size 64m;
    location = /healthz { content_by_lua_block { portico.health() } }
    location /portico/ { content_by_lua_block { portico.control() } }
  }
}
`;
}
