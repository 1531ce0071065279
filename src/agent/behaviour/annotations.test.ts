// Annotations with visible behaviour, end to end: rewrite-target with use-regex capture groups,
// app-root, permanent-redirect (+ code), temporal-redirect, proxy-body-size.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { EchoReply } from "../../testing/echo.js";
import { request } from "../../testing/http.js";
import { Harness, World } from "../../testing/world.js";

const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
const A = "nginx.ingress.kubernetes.io/";

let h: Harness;
const w = new World();
const get = (host: string, path: string) => request({ port: h.httpPort, hostHeader: host, path });

describe("annotations", () => {
  before(async () => {
    h = await Harness.start();
    await w.service("api");
    await w.service("app");
    await w.service("moved");
    await w.service("upload");
    w.ingress(
      "rewrite",
      {
        rules: [{ host: "rewrite.example.com", http: { paths: [{ path: "/api(/|$)(.*)", pathType: "ImplementationSpecific", backend: svc("api") }] } }],
      },
      { [`${A}use-regex`]: "true", [`${A}rewrite-target`]: "/v2/$2" },
    );
    w.ingress(
      "approot",
      {
        rules: [{ host: "approot.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("app") }] } }],
      },
      { [`${A}app-root`]: "/app1" },
    );
    w.ingress(
      "permanent",
      {
        rules: [{ host: "permanent.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("moved") }] } }],
      },
      { [`${A}permanent-redirect`]: "https://www.example.org/new" },
    );
    w.ingress(
      "permanent-308",
      {
        rules: [{ host: "permanent308.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("moved") }] } }],
      },
      { [`${A}permanent-redirect`]: "https://www.example.org/308", [`${A}permanent-redirect-code`]: "308" },
    );
    w.ingress(
      "temporal",
      {
        rules: [{ host: "temporal.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("moved") }] } }],
      },
      { [`${A}temporal-redirect`]: "https://www.example.org/tmp" },
    );
    w.ingress(
      "small-body",
      {
        rules: [{ host: "upload.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("upload") }] } }],
      },
      { [`${A}proxy-body-size`]: "1k" },
    );
    const result = await h.apply(w);
    assert.deepEqual(result.diagnostics, []);
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
  });

  test("rewrite-target with use-regex capture groups", async () => {
    assert.equal((await get("rewrite.example.com", "/api/users/7")).json<EchoReply>().path, "/v2/users/7");
    assert.equal((await get("rewrite.example.com", "/api")).json<EchoReply>().path, "/v2/");
    assert.equal((await get("rewrite.example.com", "/API/x")).json<EchoReply>().path, "/v2/x", "regex paths are case-insensitive");
    assert.equal((await get("rewrite.example.com", "/apix")).status, 404);
  });

  test("app-root redirects / to the application root with 302; other paths are proxied", async () => {
    const r = await get("approot.example.com", "/");
    assert.equal(r.status, 302);
    assert.match(String(r.headers.location), /\/app1$/);
    assert.equal((await get("approot.example.com", "/app1")).json<EchoReply>().path, "/app1");
  });

  test("permanent-redirect answers 301 (or the configured code) to the URL", async () => {
    const r = await get("permanent.example.com", "/anything");
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, "https://www.example.org/new");
    const r8 = await get("permanent308.example.com", "/");
    assert.equal(r8.status, 308);
    assert.equal(r8.headers.location, "https://www.example.org/308");
  });

  test("temporal-redirect answers 302 to the URL", async () => {
    const r = await get("temporal.example.com", "/x");
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, "https://www.example.org/tmp");
  });

  test("proxy-body-size refuses larger bodies with 413", async () => {
    const small = await request({ port: h.httpPort, hostHeader: "upload.example.com", method: "POST", body: "x".repeat(500) });
    assert.equal(small.json<EchoReply>().bodyLength, 500);
    const big = await request({ port: h.httpPort, hostHeader: "upload.example.com", method: "POST", body: "x".repeat(5000) });
    assert.equal(big.status, 413);
  });
});
