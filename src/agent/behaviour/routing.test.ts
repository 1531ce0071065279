// Routing rules of networking.k8s.io/v1, end to end: core's build() -> agent -> real nginx -> echo pods.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { EchoReply } from "../../testing/echo.js";
import { request } from "../../testing/http.js";
import { Harness, World } from "../../testing/world.js";

const svc = (name: string, port: number | string) => ({
  service: { name, port: typeof port === "number" ? { number: port } : { name: port } },
});

let h: Harness;
const w = new World();

async function hit(host: string, path: string) {
  return await request({ port: h.httpPort, hostHeader: host, path });
}
/** The service that answered (echo JSON), or the status code when it was not an echo. */
async function who(host: string, path: string): Promise<string> {
  const r = await hit(host, path);
  if (r.status === 200 && r.headers["content-type"] === "application/json") return r.json<EchoReply>().service.split("/")[1];
  return String(r.status);
}

describe("routing", () => {
  before(async () => {
    h = await Harness.start();
    await w.service("service1", { port: 4200 });
    await w.service("service2", { port: 80, portName: "http" });
    await w.service("web", { pods: 3 });
    await w.service("exact");
    await w.service("prefix");
    await w.service("long");
    await w.service("aaa");
    await w.service("wild");
    await w.service("exacthost");
    await w.service("nohost");
    // Simple fan-out by path on one host; service ports by number and by name.
    w.ingress("fanout", {
      rules: [
        {
          host: "foo.example.com",
          http: {
            paths: [
              { path: "/foo", pathType: "Prefix", backend: svc("service1", 4200) },
              { path: "/bar", pathType: "Prefix", backend: svc("service2", "http") },
            ],
          },
        },
      ],
    });
    // Name-based virtual hosts sharing one address.
    w.ingress("vhosts", {
      rules: [
        { host: "first.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("service1", 4200) }] } },
        { host: "second.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("service2", "http") }] } },
      ],
    });
    // Exact vs Prefix, longest match, path elements; declared in a scrambled order.
    w.ingress("paths", {
      rules: [
        {
          host: "paths.example.com",
          http: {
            paths: [
              { path: "/a/b/c", pathType: "Prefix", backend: svc("long", 80) },
              { path: "/aaa", pathType: "Prefix", backend: svc("aaa", 80) },
              { path: "/a", pathType: "Prefix", backend: svc("prefix", 80) },
              { path: "/a", pathType: "Exact", backend: svc("exact", 80) },
              { path: "/trailing/", pathType: "Prefix", backend: svc("long", 80) },
            ],
          },
        },
      ],
    });
    // Wildcard host (one label) and an exact host that beats it; host matching is case-insensitive.
    w.ingress("wildcard", {
      rules: [
        { host: "*.wild.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("wild", 80) }] } },
        { host: "exact.wild.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("exacthost", 80) }] } },
      ],
    });
    // A rule without a host serves any host not otherwise named.
    w.ingress("nohost", { rules: [{ http: { paths: [{ path: "/nohost", pathType: "Prefix", backend: svc("nohost", 80) }] } }] });
    // Backends that cannot answer: a missing Service, and a Service without ready endpoints.
    w.services.push({ metadata: { name: "empty", namespace: "default" }, spec: { ports: [{ port: 80 }] } } as never);
    w.ingress("broken-backends", {
      rules: [
        {
          host: "broken.example.com",
          http: {
            paths: [
              { path: "/missing", pathType: "Prefix", backend: svc("does-not-exist", 80) },
              { path: "/empty", pathType: "Prefix", backend: svc("empty", 80) },
            ],
          },
        },
      ],
    });
    // Exact paths ending in '/': the slashless URI is not theirs (no 301 to them).
    await w.service("slash");
    w.ingress("exact-slash", {
      rules: [
        {
          host: "slash.example.com",
          http: {
            paths: [
              { path: "/docs/", pathType: "Exact", backend: svc("slash", 80) },
              { path: "/", pathType: "Prefix", backend: svc("web", 80) },
            ],
          },
        },
        { host: "slash-only.example.com", http: { paths: [{ path: "/docs/", pathType: "Exact", backend: svc("slash", 80) }] } },
      ],
    });
    w.ingress("rr", { rules: [{ host: "rr.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("web", 80) }] } }] });
    await h.apply(w);
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
  });

  test("fan-out: paths on one host go to their services (port by number and by name)", async () => {
    assert.equal(await who("foo.example.com", "/foo"), "service1");
    assert.equal(await who("foo.example.com", "/foo/x"), "service1");
    assert.equal(await who("foo.example.com", "/bar"), "service2");
    assert.equal(await who("foo.example.com", "/other"), "404");
  });

  test("name-based virtual hosts share one address; host is case-insensitive and the port ignored", async () => {
    assert.equal(await who("first.example.com", "/"), "service1");
    assert.equal(await who("second.example.com", "/x"), "service2");
    assert.equal(await who("SECOND.Example.com:8080", "/x"), "service2");
  });

  test("default backend: no matching rule gives a 404 page", async () => {
    const r = await hit("unknown.example.com", "/foo");
    assert.equal(r.status, 404);
    assert.match(r.body, /404/);
  });

  test("Exact beats Prefix on the same path; Prefix matches the rest", async () => {
    assert.equal(await who("paths.example.com", "/a"), "exact");
    assert.equal(await who("paths.example.com", "/a/"), "prefix");
    assert.equal(await who("paths.example.com", "/a/x"), "prefix");
  });

  test("longest match wins regardless of declaration order", async () => {
    assert.equal(await who("paths.example.com", "/a/b/c"), "long");
    assert.equal(await who("paths.example.com", "/a/b/c/d"), "long");
    assert.equal(await who("paths.example.com", "/a/b"), "prefix");
  });

  test("Prefix matches whole path elements: /aaa matches /aaa/x, not /aaaccc; a trailing slash in the rule is ignored", async () => {
    assert.equal(await who("paths.example.com", "/aaa"), "aaa");
    assert.equal(await who("paths.example.com", "/aaa/"), "aaa");
    assert.equal(await who("paths.example.com", "/aaa/x"), "aaa");
    assert.equal(await who("paths.example.com", "/aaaccc"), "404");
    assert.equal(await who("paths.example.com", "/ab"), "404");
    assert.equal(await who("paths.example.com", "/trailing"), "long");
    assert.equal(await who("paths.example.com", "/trailing/x"), "long");
    assert.equal(await who("paths.example.com", "/trailingx"), "404");
  });

  test("an Exact path ending in '/' matches only itself: the slashless URI falls to the rest (404 if nothing), never a 301", async () => {
    assert.equal(await who("slash.example.com", "/docs/"), "slash");
    assert.equal(await who("slash.example.com", "/docs"), "web");
    assert.equal(await who("slash.example.com", "/docs/x"), "web");
    assert.equal(await who("slash-only.example.com", "/docs/"), "slash");
    const r = await hit("slash-only.example.com", "/docs");
    assert.equal(r.status, 404);
    assert.equal(r.headers.location, undefined);
  });

  test("wildcard host matches exactly one label; an exact host beats it", async () => {
    assert.equal(await who("bar.wild.example.com", "/"), "wild");
    assert.equal(await who("exact.wild.example.com", "/"), "exacthost");
    assert.equal(await who("baz.bar.wild.example.com", "/"), "404");
    assert.equal(await who("wild.example.com", "/"), "404");
  });

  test("a rule without a host matches any host", async () => {
    assert.equal(await who("anything.test", "/nohost"), "nohost");
    assert.equal(await who("127.0.0.1", "/nohost/x"), "nohost");
  });

  test("missing Service or no ready endpoint answers 503", async () => {
    assert.equal((await hit("broken.example.com", "/missing")).status, 503);
    assert.equal((await hit("broken.example.com", "/empty")).status, 503);
  });

  test("round robin over the ready endpoints of a Service", async () => {
    const pods = new Set<string>();
    for (let i = 0; i < 12; i++) pods.add((await hit("rr.example.com", "/")).json<EchoReply>().pod);
    assert.deepEqual([...pods].sort(), ["web-0", "web-1", "web-2"]);
  });
});
