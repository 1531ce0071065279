// Table tests of the Ingress matching rules over the rendered location layout.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildModel } from "./model/build-model.js";
import { route } from "./matching.js";
import { placeLocations } from "./render/locations.js";
import { ingress, path, snapshot } from "./test-objects.js";
import type { Ingress } from "./k8s-types.js";

function router(ingresses: Ingress[]) {
  const model = buildModel(snapshot({ ingresses }), { reservedPorts: [], httpsPort: 443 });
  return (host: string, uri: string): string => {
    const m = route(model, host, uri);
    if (!m) return "none";
    const a = m.location.action;
    return a.kind === "proxy" ? a.upstream.replace(/^default-/, "").replace(/-80$/, "") : a.kind === "redirect" ? `redirect:${a.url}` : "404";
  };
}

function table(r: (h: string, u: string) => string, rows: [string, string, string][]) {
  for (const [host, uri, want] of rows) assert.equal(r(host, uri), want, `${host}${uri} should reach ${want}`);
}

describe("path matching", () => {
  test("Prefix matches whole path elements; trailing slash of the rule ignored", () => {
    const r = router([ingress("a", [{ host: "h.com", paths: [path("/aaa", "Prefix", "aaa"), path("/bbb/", "Prefix", "bbb")] }])]);
    table(r, [
      ["h.com", "/aaa", "aaa"],
      ["h.com", "/aaa/", "aaa"],
      ["h.com", "/aaa/x/y", "aaa"],
      ["h.com", "/aaaccc", "404"],
      ["h.com", "/AAA", "404"],
      ["h.com", "/bbb", "bbb"],
      ["h.com", "/bbb/x", "bbb"],
      ["h.com", "/bbbb", "404"],
      ["h.com", "/", "404"],
    ]);
  });

  test("Prefix / matches everything; the longest match wins", () => {
    const r = router([
      ingress("a", [{ host: "h.com", paths: [path("/", "Prefix", "root"), path("/aaa", "Prefix", "aaa"), path("/aaa/bbb", "Prefix", "bbb")] }]),
    ]);
    table(r, [
      ["h.com", "/", "root"],
      ["h.com", "/zzz", "root"],
      ["h.com", "/aaa/bbb", "bbb"],
      ["h.com", "/aaa/bbb/c", "bbb"],
      ["h.com", "/aaa/bbbc", "aaa"],
      ["h.com", "/aaab", "root"],
    ]);
  });

  test("Exact matches only the exact path and beats Prefix on the same path", () => {
    const r = router([
      ingress("a", [{ host: "h.com", paths: [path("/foo", "Prefix", "prefix"), path("/foo", "Exact", "exact"), path("/bar", "Exact", "bar")] }]),
    ]);
    table(r, [
      ["h.com", "/foo", "exact"],
      ["h.com", "/foo/", "prefix"],
      ["h.com", "/foo/x", "prefix"],
      ["h.com", "/bar", "bar"],
      ["h.com", "/bar/", "404"],
    ]);
  });

  test("declaration order is irrelevant", () => {
    const paths = [path("/", "Prefix", "root"), path("/a", "Prefix", "a"), path("/a/b", "Exact", "ab"), path("/a/b", "Prefix", "abp")];
    const r1 = router([ingress("a", [{ host: "h.com", paths }])]);
    const r2 = router([ingress("a", [{ host: "h.com", paths: [...paths].reverse() }])]);
    for (const uri of ["/", "/a", "/a/", "/a/b", "/a/b/", "/a/bc", "/x"]) assert.equal(r1("h.com", uri), r2("h.com", uri), uri);
    table(r1, [
      ["h.com", "/a/b", "ab"],
      ["h.com", "/a/b/c", "abp"],
      ["h.com", "/a/bc", "a"],
    ]);
  });

  test("ImplementationSpecific without regex annotations behaves as Prefix", () => {
    const r = router([ingress("a", [{ host: "h.com", paths: [path("/img", "ImplementationSpecific", "img")] }])]);
    table(r, [
      ["h.com", "/img", "img"],
      ["h.com", "/img/a.png", "img"],
      ["h.com", "/imgs", "404"],
    ]);
  });

  test("use-regex: case-insensitive anchored regexes, longest path first; Exact still wins", () => {
    const r = router([
      ingress(
        "re",
        [{ host: "h.com", paths: [path("/api/v[0-9]+", "ImplementationSpecific", "versioned"), path("/api/.*", "ImplementationSpecific", "any")] }],
        {
          annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" },
        },
      ),
      ingress("plain", [{ host: "h.com", paths: [path("/api", "Exact", "exact"), path("/static", "Prefix", "static")] }], { created: "2026-01-02T00:00:00Z" }),
    ]);
    table(r, [
      ["h.com", "/api/v2/users", "versioned"],
      ["h.com", "/API/V2", "versioned"],
      ["h.com", "/api/other", "any"],
      ["h.com", "/api", "exact"],
      ["h.com", "/static/x", "static"],
      ["h.com", "/staticx", "404"],
      ["h.com", "/x/api/v1", "404"],
    ]);
  });
});

describe("host matching", () => {
  const r = router([
    ingress("exact", [{ host: "foo.com", paths: [path("/", "Prefix", "foo")] }]),
    ingress("wild", [{ host: "*.foo.com", paths: [path("/", "Prefix", "wild")] }]),
    ingress("exact-sub", [{ host: "bar.foo.com", paths: [path("/", "Prefix", "barfoo")] }]),
    ingress("hostless", [{ paths: [path("/", "Prefix", "hostless")] }]),
  ]);
  test("case-insensitive, port ignored", () => {
    table(r, [
      ["FOO.com", "/", "foo"],
      ["foo.com:8080", "/", "foo"],
      ["foo.com.", "/", "foo"],
    ]);
  });
  test("*.foo.com matches exactly one label; an exact host beats the wildcard", () => {
    table(r, [
      ["baz.foo.com", "/", "wild"],
      ["bar.foo.com", "/", "barfoo"],
      ["baz.bar.foo.com", "/", "hostless"],
      ["foo.com", "/", "foo"],
      [".foo.com", "/", "hostless"],
    ]);
  });
  test("a rule without host serves every other host", () => {
    table(r, [
      ["unknown.org", "/x", "hostless"],
      ["", "/", "hostless"],
    ]);
  });

  test("an Exact path ending in '/' gets a twin one slash short holding what that URI matches otherwise (nginx would 301 it)", () => {
    const ing = ingress("a", [
      {
        host: "h.com",
        paths: [path("/docs/", "Exact", "docs"), path("/api/", "Exact", "apiexact"), path("/api", "Prefix", "api"), path("/", "Prefix", "root")],
      },
    ]);
    const model = buildModel(snapshot({ ingresses: [ing] }), { reservedPorts: [], httpsPort: 443 });
    const s = model.servers[0]!;
    const placed = placeLocations(s.locations, s.regexMode, s.fallback);
    const at = (pattern: string) =>
      placed.filter((p) => p.modifier === "=" && p.pattern === pattern).map((p) => (p.loc.action.kind === "proxy" ? p.loc.action.upstream : p.loc.action.kind));
    assert.deepEqual(at("/docs"), ["default-root-80"]);
    assert.deepEqual(at("/api"), ["default-api-80"], "the Prefix /api's own `= /api`, no second twin");
    table(router([ing]), [
      ["h.com", "/docs/", "docs"],
      ["h.com", "/docs", "root"],
      ["h.com", "/api/", "apiexact"],
      ["h.com", "/api", "api"],
    ]);
  });
});
