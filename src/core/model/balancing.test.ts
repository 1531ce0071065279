// The balancing processor (pure): policies per upstream from the oldest Ingress that sets them,
// canary merge onto the main Ingress's backend, and what is reported when a canary cannot merge.
import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "../build.js";
import { ingress, path, service, slice, snapshot } from "../test-objects.js";

const A = "nginx.ingress.kubernetes.io/";
const world = (...ingresses: ReturnType<typeof ingress>[]) =>
  build(
    snapshot({
      ingresses,
      services: [service("web"), service("next")],
      endpointSlices: [slice("web", ["198.18.0.1"]), slice("next", ["198.18.0.2"])],
    }),
  );
const at = (s: number) => `2026-01-01T00:00:0${s}Z`;

test("a canary adds its backend as the alternative of the main backend; its endpoints travel too; nginx.conf does not change", () => {
  const main = ingress("main", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }], { created: at(1) });
  const canary = ingress("main-canary", [{ host: "a.com", paths: [path("/", "Prefix", "next")] }], {
    created: at(0), // older than main: still only an alternative
    annotations: { [`${A}canary`]: "true", [`${A}canary-by-header`]: "X-Canary", [`${A}canary-weight`]: "20" },
  });
  const alone = world(main);
  const r = world(main, canary);
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.state.config, alone.state.config, "adding a canary changes no nginx.conf byte");
  assert.deepEqual(r.state.balancing, { "default-web-80": { canary: { upstream: "default-next-80", weight: 20, weightTotal: 100, header: "X-Canary" } } });
  assert.deepEqual(r.state.endpoints["default-next-80"], [{ address: "198.18.0.2", port: 8080 }]);
  assert.notEqual(r.state.hashes.endpoints, alone.state.hashes.endpoints);
  assert.deepEqual(r.servedIngresses, ["default/main", "default/main-canary"]);
});

test("weight-total below 100 counts as 100; a weight above the total is the total", () => {
  const main = ingress("main", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }]);
  const c = (weight: string, total?: string) =>
    ingress("c", [{ host: "a.com", paths: [path("/", "Prefix", "next")] }], {
      annotations: { [`${A}canary`]: "true", [`${A}canary-weight`]: weight, ...(total ? { [`${A}canary-weight-total`]: total } : {}) },
    });
  assert.deepEqual(world(main, c("30", "10")).state.balancing?.["default-web-80"]?.canary, { upstream: "default-next-80", weight: 30, weightTotal: 100 });
  assert.deepEqual(world(main, c("5000", "1000")).state.balancing?.["default-web-80"]?.canary, {
    upstream: "default-next-80",
    weight: 1000,
    weightTotal: 1000,
  });
});

test("a canary without a main route, or on the main's own backend, is reported and changes nothing", () => {
  const lone = ingress("c", [{ host: "b.com", paths: [path("/x", "Prefix", "next")] }], { annotations: { [`${A}canary`]: "true" } });
  const r = world(lone);
  assert.deepEqual(
    r.diagnostics.map((d) => d.reason),
    ["CanaryWithoutMain"],
  );
  assert.equal(r.state.balancing, undefined);
  assert.ok(!r.state.config.includes("b.com"), "a canary creates no server");
  const main = ingress("main", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }]);
  const self = ingress("c", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }], { annotations: { [`${A}canary`]: "true" } });
  assert.deepEqual(
    world(main, self).diagnostics.map((d) => d.reason),
    ["CanaryInvalid"],
  );
});

test("canary settings without canary: true are reported", () => {
  const r = world(ingress("x", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }], { annotations: { [`${A}canary-by-header`]: "X-C" } }));
  assert.deepEqual(
    r.diagnostics.map((d) => d.reason),
    ["CanaryNotEnabled"],
  );
});

test("affinity: upstream-wide from the oldest Ingress that asks; cookie locations per host; the canary shares it", () => {
  const older = ingress("old", [{ host: "a.com", paths: [path("/app", "Prefix", "web"), path("/exact", "Exact", "web")] }], {
    created: at(0),
    annotations: { [`${A}affinity`]: "cookie", [`${A}session-cookie-name`]: "first", [`${A}affinity-mode`]: "persistent" },
  });
  const newer = ingress("new", [{ host: "b.com", paths: [path("/", "Prefix", "web")] }], {
    created: at(1),
    annotations: { [`${A}affinity`]: "cookie", [`${A}session-cookie-name`]: "second", [`${A}load-balance`]: "ewma", [`${A}upstream-hash-by`]: "$host" },
  });
  const canary = ingress("c", [{ host: "b.com", paths: [path("/", "Prefix", "next")] }], { created: at(2), annotations: { [`${A}canary`]: "true" } });
  const r = world(older, newer, canary);
  assert.deepEqual(r.diagnostics, []);
  const affinity = { mode: "persistent", name: "first", locations: { "a.com": ["/app", "/exact"], "b.com": ["/"] } };
  assert.deepEqual(r.state.balancing, {
    "default-next-80": { affinity },
    "default-web-80": { loadBalance: "ewma", hashBy: "$host", affinity, canary: { upstream: "default-next-80", weight: 0, weightTotal: 100 } },
  });
});

test("upstream-hash-by-subset adds the subset size (default 3) to the hash policy; without hash-by it does nothing", () => {
  const hashed = (extra: Record<string, string>) =>
    world(ingress("h", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }], { annotations: { [`${A}upstream-hash-by`]: "$arg_id", ...extra } }));
  assert.deepEqual(hashed({ [`${A}upstream-hash-by-subset`]: "true" }).state.balancing, { "default-web-80": { hashBy: "$arg_id", hashSubsetSize: 3 } });
  assert.deepEqual(hashed({ [`${A}upstream-hash-by-subset`]: "true", [`${A}upstream-hash-by-subset-size`]: "5" }).state.balancing, {
    "default-web-80": { hashBy: "$arg_id", hashSubsetSize: 5 },
  });
  assert.deepEqual(hashed({ [`${A}upstream-hash-by-subset-size`]: "5" }).state.balancing, { "default-web-80": { hashBy: "$arg_id" } });
  const r = world(ingress("s", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }], { annotations: { [`${A}upstream-hash-by-subset`]: "true" } }));
  assert.equal(r.state.balancing?.["default-web-80"], undefined);
});
