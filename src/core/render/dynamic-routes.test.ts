// Which hosts of a rendered config can go live from the Lua routing table (pure): plain servers
// only, exactly as nginx would route them; anything else waits for the reload.
import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "../build.js";
import { ingress, path, service, slice, snapshot } from "../test-objects.js";
import { ConfigServers, dynamicRoutes } from "./dynamic-routes.js";

const A = "nginx.ingress.kubernetes.io/";
const conf = (...ingresses: ReturnType<typeof ingress>[]) =>
  build(
    snapshot({
      ingresses,
      services: [service("web"), service("api")],
      endpointSlices: [slice("web", ["198.18.0.1"]), slice("api", ["198.18.0.2"])],
      secrets: [],
    }),
  ).state.config;
const routes = (next: string, ...running: string[]) =>
  dynamicRoutes(
    new ConfigServers(next),
    running.map((c) => new ConfigServers(c)),
  );
const none = conf();

test("a plain host: its exact and prefix locations, with the fallback 404 when it has no / path", () => {
  const c = conf(ingress("a", [{ host: "a.com", paths: [path("/api", "Prefix", "api"), path("/x", "Exact", "web")] }]));
  assert.deepEqual(routes(c, none), {
    "a.com": {
      https: false,
      exact: { "/api": { upstream: "default-api-80" }, "/x": { upstream: "default-web-80" } },
      prefix: { "/api/": { upstream: "default-api-80" }, "/": {} },
    },
  });
});

test("hosts the running config serves unchanged are left out", () => {
  const a = ingress("a", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }]);
  const c = conf(a, ingress("b", [{ host: "b.com", paths: [path("/", "Prefix", "web")] }]));
  assert.deepEqual(Object.keys(routes(c, conf(a))), ["b.com"]);
  assert.deepEqual([...new ConfigServers(c).names].sort(), ["a.com", "b.com"]);
});

test("a path added to a served host, and a changed backend, are served-host routes", () => {
  const before = conf(ingress("a", [{ host: "a.com", paths: [path("/api", "Prefix", "api")] }]));
  // The new path lands on the old server's fallback (portico.fallback() asks the table).
  const added = conf(ingress("a", [{ host: "a.com", paths: [path("/api", "Prefix", "api"), path("/web", "Prefix", "web")] }]));
  assert.deepEqual(routes(added, before)["a.com"], {
    https: false,
    served: true,
    exact: { "/api": { upstream: "default-api-80" }, "/web": { upstream: "default-web-80" } },
    prefix: { "/api/": { upstream: "default-api-80" }, "/web/": { upstream: "default-web-80" }, "/": {} },
  });
  // The proxying location /api/ takes the URIs it took before, to another upstream (the balancer's).
  const moved = conf(ingress("a", [{ host: "a.com", paths: [path("/api", "Prefix", "web")] }]));
  assert.equal(routes(moved, before)["a.com"]?.prefix["/api/"]?.upstream, "default-web-80");
  // A longer prefix under an existing proxying one: the old /api/ location's balancer decides.
  const nested = conf(ingress("a", [{ host: "a.com", paths: [path("/api", "Prefix", "api"), path("/api/v2", "Prefix", "web")] }]));
  assert.equal(routes(nested, before)["a.com"]?.prefix["/api/v2/"]?.upstream, "default-web-80");
});

test("a change the running server cannot answer the new way waits for the reload", () => {
  const before = conf(ingress("a", [{ host: "a.com", paths: [path("/api", "Prefix", "api")] }]));
  // Removed: the proxying /api/ location would have to answer the 404 page.
  const removed = conf(ingress("a", [{ host: "a.com", paths: [path("/other", "Exact", "web")] }]));
  assert.deepEqual(routes(removed, before), {});
  // An annotation makes the new server non-plain.
  const annotated = conf(ingress("a", [{ host: "a.com", paths: [path("/api", "Prefix", "web")] }], { annotations: { [`${A}proxy-read-timeout`]: "5" } }));
  assert.deepEqual(routes(annotated, before), {});
  // ... or the old one: its locations do not consult the table.
  assert.deepEqual(routes(before, annotated), {});
});

test("workers of the config being loaded answer too: a route must suit both", () => {
  const old = conf(ingress("a", [{ host: "a.com", paths: [path("/api", "Prefix", "api")] }]));
  const loading = conf(ingress("a", [{ host: "a.com", paths: [path("/api", "Prefix", "api")] }], { annotations: { [`${A}proxy-read-timeout`]: "5" } }));
  const next = conf(ingress("a", [{ host: "a.com", paths: [path("/api", "Prefix", "web")] }]));
  assert.deepEqual(routes(next, old), {
    "a.com": { https: false, served: true, exact: { "/api": { upstream: "default-web-80" } }, prefix: { "/api/": { upstream: "default-web-80" }, "/": {} } },
  });
  assert.deepEqual(routes(next, old, loading), {});
});

test("any directive a plain Ingress does not render keeps the host out (fail closed)", () => {
  const annotated = (name: string, annotations: Record<string, string>) =>
    ingress(name, [{ host: `${name}.com`, paths: [path("/", "Prefix", "web")] }], { annotations });
  const c = conf(
    annotated("timeout", { [`${A}proxy-read-timeout`]: "5" }),
    annotated("rewrite", { [`${A}rewrite-target`]: "/$1" }),
    annotated("grpc", { [`${A}backend-protocol`]: "GRPC" }),
    annotated("alias", { [`${A}server-alias`]: "other.com" }),
    annotated("cors", { [`${A}enable-cors`]: "true" }),
    annotated("allow", { [`${A}whitelist-source-range`]: "10.0.0.0/8" }),
    ingress("wild", [{ host: "*.wild.com", paths: [path("/", "Prefix", "web")] }]),
    ingress("plain", [{ host: "plain.com", paths: [path("/", "Prefix", "web")] }]),
  );
  assert.deepEqual(Object.keys(routes(c, none)), ["plain.com"]);
});

test("a config without the default server's route hook yields no routes", () => {
  const c = conf(ingress("a", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }]));
  assert.deepEqual(routes(c.replace("      portico.route()\n", "      portico.other()\n"), none), {});
});
