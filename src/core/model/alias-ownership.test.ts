// server-alias and from-to-www-redirect add names to a host's server: a name another namespace
// owns is dropped with HostNotOwned, even when its owner is not served at the moment (excluded).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildModel } from "./build-model.js";
import { ingress, path, service, snapshot } from "../test-objects.js";

const options = { reservedPorts: [], httpsPort: 443 };
const ALIAS = "nginx.ingress.kubernetes.io/server-alias";
const WWW = "nginx.ingress.kubernetes.io/from-to-www-redirect";

describe("server-alias and from-to-www-redirect respect host ownership", () => {
  const shop = ingress("shop", [{ host: "shop.example.com", paths: [path("/", "Prefix", "web")] }], { namespace: "team-a", created: "2026-01-01T00:00:00Z" });
  const wwwB = ingress("www-b", [{ host: "www.b.example.com", paths: [path("/", "Prefix", "web")] }], { namespace: "team-a", created: "2026-01-01T00:00:01Z" });
  const thief = ingress("thief", [{ host: "b.example.com", paths: [path("/", "Prefix", "evil")] }], {
    namespace: "team-b",
    created: "2026-02-01T00:00:00Z",
    annotations: { [ALIAS]: "shop.example.com, free.example.com", [WWW]: "true" },
  });
  const services = [service("web", "team-a"), service("evil", "team-b")];
  const excluded = new Map([
    ["team-a/shop", "nginx -t refused it"],
    ["team-a/www-b", "nginx -t refused it"],
  ]);

  test("an alias or www twin naming another namespace's host is dropped, even while that host is not served", () => {
    const model = buildModel(snapshot({ ingresses: [shop, wwwB, thief], services }), { ...options, excluded });
    const b = model.servers.find((s) => s.host === "b.example.com");
    assert.deepEqual(
      b?.aliases?.map((a) => a.name),
      ["free.example.com"],
    );
    assert.equal(
      model.servers.find((s) => s.host === "shop.example.com"),
      undefined,
    );
    assert.deepEqual(model.redirectServers ?? [], []);
    const reasons = model.diagnostics.filter((d) => d.object.name === "thief").map((d) => `${d.reason}: ${d.message}`);
    assert.deepEqual(reasons, [
      'HostNotOwned: from-to-www-redirect "www.b.example.com": host "www.b.example.com" belongs to namespace "team-a" (its oldest Ingress is team-a/www-b), and this IngressController does not let other namespaces share it (spec.hostSharing); redirect not served',
      'HostNotOwned: server-alias "shop.example.com": host "shop.example.com" belongs to namespace "team-a" (its oldest Ingress is team-a/shop), and this IngressController does not let other namespaces share it (spec.hostSharing); alias ignored',
    ]);
  });

  test("while the owner is served, the alias is dropped as not owned", () => {
    const model = buildModel(snapshot({ ingresses: [shop, thief], services }), options);
    assert.deepEqual(
      model.servers.find((s) => s.host === "b.example.com")?.aliases?.map((a) => a.name),
      ["free.example.com"],
    );
    assert.ok(model.diagnostics.some((d) => d.object.name === "thief" && d.reason === "HostNotOwned"));
  });

  test("an excluded Ingress keeps its host: another namespace's rule for it is still dropped", () => {
    const rule = ingress("rule", [{ host: "shop.example.com", paths: [path("/", "Prefix", "evil")] }], {
      namespace: "team-b",
      created: "2026-02-01T00:00:00Z",
    });
    const model = buildModel(snapshot({ ingresses: [shop, rule], services }), { ...options, excluded });
    assert.equal(
      model.servers.find((s) => s.host === "shop.example.com"),
      undefined,
    );
    assert.ok(model.diagnostics.some((d) => d.object.name === "rule" && d.reason === "HostNotOwned"));
  });

  test("with host sharing for the namespace, the unserved names are served as before", () => {
    const model = buildModel(snapshot({ ingresses: [shop, wwwB, thief], services, hostSharing: ["team-b"] }), { ...options, excluded });
    assert.deepEqual(
      model.servers.find((s) => s.host === "b.example.com")?.aliases?.map((a) => a.name),
      ["shop.example.com", "free.example.com"],
    );
    assert.deepEqual(
      model.redirectServers?.map((r) => r.host),
      ["www.b.example.com"],
    );
  });
});
