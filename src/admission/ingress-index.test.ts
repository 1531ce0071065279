import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { IngressIndex } from "./ingress-index.js";
import { routeKey } from "./routes.js";
import { ingress } from "./testing/fixtures.js";

const owners = (idx: IngressIndex, k: string) => [...idx.owners(k)].map((e) => e.key);

describe("IngressIndex", () => {
  it("indexes routes and Secrets; replace moves them; remove drops them", () => {
    const idx = new IngressIndex();
    idx.upsert(ingress({ name: "a", host: "Foo.Example.com", path: "/x", tls: [{ secretName: "s" }] }));
    assert.deepEqual(owners(idx, routeKey("foo.example.com", "prefix", "/x")), ["default/a"]);
    assert.deepEqual(
      [...idx.referencing("default/s")].map((e) => e.key),
      ["default/a"],
    );
    idx.upsert(ingress({ name: "a", host: "foo.example.com", path: "/y" }));
    assert.deepEqual(owners(idx, routeKey("foo.example.com", "prefix", "/x")), []);
    assert.deepEqual(owners(idx, routeKey("foo.example.com", "prefix", "/y")), ["default/a"]);
    assert.deepEqual([...idx.referencing("default/s")], []);
    idx.remove(ingress({ name: "a" }));
    assert.equal(idx.size, 0);
    assert.deepEqual(owners(idx, routeKey("foo.example.com", "prefix", "/y")), []);
  });
  it("match kind follows pathType and use-regex; an empty ImplementationSpecific path is /", () => {
    const idx = new IngressIndex();
    idx.upsert(ingress({ name: "e", path: "/x", pathType: "Exact" }));
    idx.upsert(ingress({ name: "r", path: "/x", pathType: "ImplementationSpecific", annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" } }));
    idx.upsert(ingress({ name: "i", path: "", pathType: "ImplementationSpecific" }));
    assert.deepEqual(owners(idx, routeKey("foo.example.com", "exact", "/x")), ["default/e"]);
    assert.deepEqual(owners(idx, routeKey("foo.example.com", "regex", "/x")), ["default/r"]);
    assert.deepEqual(owners(idx, routeKey("foo.example.com", "prefix", "/")), ["default/i"]);
  });
  it("10,000 Ingresses: lookups stay O(1)", () => {
    const idx = new IngressIndex();
    for (let i = 0; i < 10_000; i++) idx.upsert(ingress({ name: `i${i}`, host: `h${i % 500}.example.com`, path: `/p${i}` }));
    assert.equal(idx.size, 10_000);
    assert.deepEqual(owners(idx, routeKey("h7.example.com", "prefix", "/p507")), ["default/i507"]);
  });
});
