// Manifests as ingress-nginx users wrote them, end to end with real nginx and real requests:
// Prefix paths written as regexes with rewrite-target (the docs' `/foo(/|$)(.*)` -> `/$2`),
// temporal-redirect-code (and temporal-redirect over permanent-redirect, ingress-nginx's order),
// upstream-hash-by-subset (a key reaches a fixed subset of endpoints; turning it on reloads nothing).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { EchoReply } from "../../testing/echo.js";
import { request } from "../../testing/http.js";
import { Harness, World } from "../../testing/world.js";

const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
const A = "nginx.ingress.kubernetes.io/";

let h: Harness;
const w = new World();
const get = (host: string, path: string, headers?: Record<string, string>) => request({ port: h.httpPort, hostHeader: host, path, headers });

describe("migrated ingress-nginx manifests", () => {
  before(async () => {
    h = await Harness.start();
    await w.service("one");
    await w.service("two");
    await w.service("hashed", { pods: 6 });
    w.ingress(
      "regex-prefix",
      {
        rules: [
          {
            host: "regex-prefix.example.com",
            http: {
              paths: [
                { path: "/foo(/|$)(.*)", pathType: "Prefix", backend: svc("one") },
                { path: "/static(/|$)(.*)", pathType: "Prefix", backend: svc("two") },
              ],
            },
          },
        ],
      },
      { [`${A}rewrite-target`]: "/$2" },
    );
    w.ingress(
      "temporal-307",
      { rules: [{ host: "temporal307.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("one") }] } }] },
      {
        [`${A}temporal-redirect`]: "https://www.example.org/tmp",
        [`${A}temporal-redirect-code`]: "307",
        [`${A}permanent-redirect`]: "https://www.example.org/never",
      },
    );
    w.ingress(
      "subset",
      { rules: [{ host: "subset.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("hashed") }] } }] },
      { [`${A}upstream-hash-by`]: "$arg_predictorid" },
    );
    const result = await h.apply(w);
    assert.deepEqual(result.diagnostics, []);
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
  });

  test("a Prefix path written as a regex is matched as one, and rewrite-target uses its groups", async () => {
    const r = await get("regex-prefix.example.com", "/foo/bar");
    assert.equal(r.status, 200);
    assert.equal(r.json<EchoReply>().service, "default/one");
    assert.equal(r.json<EchoReply>().path, "/bar");
    assert.equal((await get("regex-prefix.example.com", "/foo")).json<EchoReply>().path, "/");
    assert.equal((await get("regex-prefix.example.com", "/FOO/x?q=1")).json<EchoReply>().path, "/x?q=1", "case-insensitive, query kept");
    const s = (await get("regex-prefix.example.com", "/static/css/a.css")).json<EchoReply>();
    assert.deepEqual([s.service, s.path], ["default/two", "/css/a.css"]);
    assert.equal((await get("regex-prefix.example.com", "/foobar")).status, 404, "(/|$) stops at a path element");
  });

  test("temporal-redirect-code sets the status; temporal-redirect wins over permanent-redirect", async () => {
    const r = await get("temporal307.example.com", "/any/path");
    assert.equal(r.status, 307);
    assert.equal(r.headers.location, "https://www.example.org/tmp");
  });

  test("upstream-hash-by-subset: a key reaches its subset of upstream-hash-by-subset-size endpoints, at random within it; no reload", async () => {
    const podsOf = async (key: string, n: number) => {
      const pods = new Set<string>();
      for (let i = 0; i < n; i++) pods.add((await get("subset.example.com", `/?predictorid=${key}`)).json<EchoReply>().pod);
      return pods;
    };
    assert.equal((await podsOf("k1", 10)).size, 1, "plain upstream-hash-by: one endpoint per key");
    const reloads = h.fx.agent.status().reloads;
    const ing = w.ingresses.find((i) => i.metadata.name === "subset")!;
    ing.metadata.annotations = { ...ing.metadata.annotations, [`${A}upstream-hash-by-subset`]: "true", [`${A}upstream-hash-by-subset-size`]: "3" };
    await h.apply(w);
    const all = new Set<string>();
    for (let k = 0; k < 16; k++) {
      // 30 requests at random among 3: all three seen, but for chance (3 * (2/3)^30 < 2e-5).
      const pods = await podsOf(`k${k}`, 30);
      assert.equal(pods.size, 3, `k${k}: ${[...pods].join(", ")}`);
      for (const p of pods) all.add(p);
    }
    // Two subsets of three; 16 keys all on one subset has a chance of 2^-15.
    assert.equal(all.size, 6, "the six endpoints form two subsets, both used by some key");
    assert.equal(h.fx.agent.status().reloads, reloads, "turning subsets on reloads nothing");
  });
});
