// Where the rendered config runs Lua per request (pure): the balancer only for plain HTTP locations,
// an access phase where the backend protocol is not HTTP, a log phase where ewma learns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "../build.js";
import { DEFAULT_SETTINGS } from "../settings.js";
import { ingress, path, service, slice, snapshot } from "../test-objects.js";

const A = "nginx.ingress.kubernetes.io/";
const conf = (...ingresses: ReturnType<typeof ingress>[]) =>
  build(
    snapshot({
      ingresses,
      services: [service("web")],
      endpointSlices: [slice("web", ["198.18.0.1"])],
      settings: { ...DEFAULT_SETTINGS, noEndpointStatus: 502 },
    }),
  ).state.config;

/** The body of the location block `location <head> {` inside the server of `host`. */
function locationOf(config: string, host: string, head: string): string {
  const server = config.slice(config.indexOf(`server_name "${host}";`));
  const start = server.indexOf(`location ${head} {`);
  assert.ok(start >= 0, `location ${head} of ${host} not found`);
  return server.slice(start, server.indexOf("\n    }\n", start));
}

test("a plain HTTP location runs no Lua phase handler besides the balancer", () => {
  const c = conf(ingress("plain", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }]));
  assert.ok(!c.includes("access_by_lua"), "no access_by_lua anywhere");
  assert.ok(!c.includes("log_by_lua"), "no log_by_lua anywhere");
  assert.equal(c.match(/rewrite_by_lua_block/g)?.length, 1, "one rewrite_by_lua, the default server's route hook");
  assert.ok(c.indexOf("rewrite_by_lua_block") > c.indexOf("server_name _;"), "in the default server");
  assert.match(c, /upstream portico_upstream \{\n\s+server 0\.0\.0\.1:1;\n\s+balancer_by_lua_block/);
});

test("a host without a / rule: only its 404 fallback asks Lua (portico.fallback), its rules do not", () => {
  const c = conf(ingress("plain", [{ host: "a.com", paths: [path("/api", "Prefix", "web")] }]));
  assert.equal(c.match(/rewrite_by_lua_block/g)?.length, 2, "the default server's route hook and a.com's fallback");
  assert.match(locationOf(c, "a.com", '"/"'), /rewrite_by_lua_block \{\n\s+portico\.fallback\(false\)\n\s+\}\n\s+proxy_pass http:\/\/portico_upstream;/);
  assert.ok(!locationOf(c, "a.com", '^~ "/api/"').includes("_by_lua"), "the rule's location runs only the balancer");
});

test("no endpoint: the balancer's peer is the unavailable server, which answers noEndpointStatus", () => {
  const c = conf(ingress("plain", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }]));
  assert.match(c, /unavailable_addr = "127\.0\.0\.2", unavailable_port = 8181/);
  assert.match(c, /server \{\n\s+listen 127\.0\.0\.2:8181;\n\s+access_log off;\n\s+set \$portico_upstream "";\n\s+location "\/" \{\n\s+return 502;/);
});

test("HTTPS and gRPC backends decide in the access phase (the unavailable server speaks HTTP/1 only)", () => {
  const c = conf(
    ingress("grpc", [{ host: "g.com", paths: [path("/", "Prefix", "web")] }], { annotations: { [`${A}backend-protocol`]: "GRPC" } }),
    ingress("tls", [{ host: "h.com", paths: [path("/", "Prefix", "web")] }], { annotations: { [`${A}backend-protocol`]: "HTTPS" } }),
  );
  assert.match(locationOf(c, "g.com", '"/"'), /access_by_lua_block \{\n\s+portico\.access\(\)/);
  assert.match(locationOf(c, "h.com", '"/"'), /access_by_lua_block \{\n\s+portico\.access\(\)/);
});

test("satisfy any keeps the declining access handler only where the access phase runs Lua", () => {
  const auth = { [`${A}whitelist-source-range`]: "10.0.0.0/8", [`${A}satisfy`]: "any", [`${A}auth-url`]: "http://198.18.0.9/auth" };
  const c = conf(
    ingress("any", [{ host: "s.com", paths: [path("/", "Prefix", "web")] }], { annotations: auth }),
    ingress("any-grpc", [{ host: "t.com", paths: [path("/", "Prefix", "web")] }], { annotations: { ...auth, [`${A}backend-protocol`]: "GRPC" } }),
  );
  const http = locationOf(c, "s.com", '"/"');
  assert.match(http, /satisfy any;/);
  assert.ok(!http.includes("access_by_lua"), "an HTTP location under satisfy any needs no Lua access handler");
  const grpc = locationOf(c, "t.com", '"/"');
  assert.match(grpc, /satisfy any;\n\s+access_by_lua_block \{\n\s+portico\.access\(\)\n\s+return ngx\.exit\(ngx\.DECLINED\)/);
  assert.equal(grpc.match(/access_by_lua_block/g)?.length, 1, "one access handler, the declining one");
});

test("ewma upstreams learn in the log phase of their own locations only", () => {
  const c = conf(
    ingress("ewma", [{ host: "e.com", paths: [path("/", "Prefix", "web")] }], { annotations: { [`${A}load-balance`]: "ewma" } }),
    ingress("rr", [{ host: "r.com", paths: [path("/", "Prefix", "web", 81)] }]),
  );
  assert.match(locationOf(c, "e.com", '"/"'), /log_by_lua_block \{\n\s+portico\.log\(\)/);
  assert.ok(!locationOf(c, "r.com", '"/"').includes("log_by_lua"));
});
