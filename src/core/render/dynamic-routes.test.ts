// Which hosts of a rendered config can go live from the Lua routing table (pure): plain servers
// only, exactly as nginx would route them; anything else waits for the reload.
import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "../build.js";
import { ingress, path, service, slice, snapshot } from "../test-objects.js";
import { dynamicRoutes, serverNames } from "./dynamic-routes.js";

const A = "nginx.ingress.kubernetes.io/";
const conf = (...ingresses: ReturnType<typeof ingress>[]) =>
  build(snapshot({ ingresses, services: [service("web"), service("api")], endpointSlices: [slice("web", ["198.18.0.1"]), slice("api", ["198.18.0.2"])] })).state
    .config;

test("a plain host: its exact and prefix locations, with the fallback 404 when it has no / path", () => {
  const c = conf(ingress("a", [{ host: "a.com", paths: [path("/api", "Prefix", "api"), path("/x", "Exact", "web")] }]));
  assert.deepEqual(dynamicRoutes(c, new Set()), {
    "a.com": {
      https: false,
      exact: { "/api": { upstream: "default-api-80" }, "/x": { upstream: "default-web-80" } },
      prefix: { "/api/": { upstream: "default-api-80" }, "/": {} },
    },
  });
});

test("hosts the running config serves are left out", () => {
  const c = conf(
    ingress("a", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }]),
    ingress("b", [{ host: "b.com", paths: [path("/", "Prefix", "web")] }]),
  );
  assert.deepEqual(Object.keys(dynamicRoutes(c, new Set(["a.com"]))), ["b.com"]);
  assert.deepEqual([...serverNames(c)].sort(), ["a.com", "b.com"]);
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
  assert.deepEqual(Object.keys(dynamicRoutes(c, new Set())), ["plain.com"]);
});

test("a config without the default server's route hook yields no routes", () => {
  const c = conf(ingress("a", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }]));
  assert.deepEqual(dynamicRoutes(c.replace("      portico.route()\n", "      portico.other()\n"), new Set()), {});
});
