// Proxy, host and snippet-replacement annotations with real nginx and real requests: rate limits
// (and their allowlist), custom-http-errors with default-backend (intercepted backend errors and a
// Service without endpoints), server-alias, from-to-www-redirect, host-redirects, request and
// response headers, fixed responses, deny-paths and required request headers.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { EchoReply } from "../../testing/echo.js";
import { request } from "../../testing/http.js";
import { freePort } from "../../testing/ports.js";
import { Harness, NS, World, nextLoopback } from "../../testing/world.js";
import type { Service } from "../../core/k8s-types.js";

const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
const A = "nginx.ingress.kubernetes.io/";
const P = "portico.dev/";
const rule = (host: string, backend = "app") => ({ host, http: { paths: [{ path: "/", pathType: "Prefix" as const, backend: svc(backend) }] } });

let h: Harness;
const w = new World();
let failing: http.Server;
const get = (host: string, path = "/", headers: Record<string, string> = {}) => request({ port: h.httpPort, hostHeader: host, path, headers });

/** A backend that answers 404 under /missing and 200 elsewhere (for custom-http-errors). */
async function failingService(name: string): Promise<void> {
  const host = nextLoopback();
  const port = await freePort(host);
  failing = http.createServer((req, res) => {
    res.writeHead(req.url?.startsWith("/missing") ? 404 : 200, { "content-type": "text/plain" });
    res.end(req.url?.startsWith("/missing") ? "backend 404" : "backend ok");
  });
  await new Promise<void>((r) => failing.listen(port, host, () => r()));
  w.serviceTo(name, { host, port });
}

describe("proxy and host annotations", () => {
  before(async () => {
    h = await Harness.start();
    await w.service("app");
    await w.service("errors");
    await failingService("flaky");
    w.services.push({ metadata: { name: "empty", namespace: NS }, spec: { ports: [{ port: 80, protocol: "TCP" }] } } as Service);
    w.ingress("limited", { rules: [rule("limited.example.com")] }, { [`${A}limit-rps`]: "1", [`${A}limit-burst-multiplier`]: "1" });
    w.ingress(
      "allowed",
      { rules: [rule("allowed.example.com")] },
      { [`${A}limit-rps`]: "1", [`${A}limit-burst-multiplier`]: "1", [`${A}limit-allowlist`]: "127.0.0.0/8" },
    );
    w.ingress("errors", { rules: [rule("errors.example.com", "flaky")] }, { [`${A}custom-http-errors`]: "404", [`${A}default-backend`]: "errors" });
    w.ingress("no-endpoints", { rules: [rule("empty.example.com", "empty")] }, { [`${A}default-backend`]: "errors" });
    w.ingress("aliased", { rules: [rule("main.example.com")] }, { [`${A}server-alias`]: "alias.example.com", [`${A}from-to-www-redirect`]: "true" });
    w.ingress("moved", { rules: [rule("new.example.com"), rule("old.example.com")] }, { [`${P}host-redirects`]: "old.example.com https://new.example.com" });
    w.ingress(
      "headers",
      { rules: [rule("headers.example.com")] },
      {
        [`${A}upstream-vhost`]: "$service_name.$namespace.svc.cluster.local:8084",
        [`${A}x-forwarded-prefix`]: "/app",
        [`${P}request-headers`]: "Origin:\nX-Forwarded-Path: $request_uri",
        [`${P}response-headers`]: "X-Frame-Options: SAMEORIGIN",
        [`${P}fixed-responses`]: '[{"path": "= /robots.txt", "status": 200, "contentType": "text/plain", "body": "User-agent: *\\nDisallow: /"}]',
        [`${P}deny-paths`]: "~* /.*\\.(php|cgi)$\n/admin 404",
      },
    );
    w.ingress("api-key", { rules: [rule("api.example.com")] }, { [`${P}require-request-headers`]: "X-Api-Key" });
    const result = await h.apply(w);
    assert.deepEqual(result.diagnostics, []);
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
    await new Promise<void>((r) => (failing ? failing.close(() => r()) : r()));
  });

  test("limit-rps with burst multiplier 1: a quick series gets 503 after the burst; allowlisted clients are not limited", async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await get("limited.example.com")).status);
    assert.equal(codes[0], 200);
    assert.ok(codes.includes(503), `expected a 503 among ${codes}`);
    assert.ok(codes.filter((c) => c === 200).length <= 3, `at most rate + burst pass at once: ${codes}`);
    const allowed: number[] = [];
    for (let i = 0; i < 8; i++) allowed.push((await get("allowed.example.com")).status);
    assert.deepEqual(allowed, Array(8).fill(200));
  });

  test("custom-http-errors: a backend 404 is answered by the default-backend Service with X-Code", async () => {
    assert.equal((await get("errors.example.com", "/fine")).body, "backend ok");
    const r = await get("errors.example.com", "/missing/page");
    const reply = r.json<EchoReply>();
    assert.equal(reply.service, `${NS}/errors`);
    assert.equal(reply.headers["x-code"], "404");
    assert.equal(reply.headers["x-original-uri"], "/missing/page");
    assert.equal(reply.headers["x-service-name"], "flaky");
    assert.equal(reply.headers["x-ingress-name"], "errors");
  });

  test("default-backend answers while the path's Service has no ready endpoint", async () => {
    const r = await get("empty.example.com", "/x");
    assert.equal(r.status, 200);
    assert.equal(r.json<EchoReply>().service, `${NS}/errors`);
  });

  test("server-alias serves the alias; from-to-www-redirect answers www.<host> with 308 to <host>", async () => {
    assert.equal((await get("alias.example.com", "/a")).json<EchoReply>().service, `${NS}/app`);
    const r = await get("www.main.example.com", "/some/path?q=1");
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, "http://main.example.com/some/path?q=1");
  });

  test("host-redirects: every request of the old host goes to the new origin with its URI", async () => {
    const r = await get("old.example.com", "/x/y?z=1");
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, "https://new.example.com/x/y?z=1");
    assert.equal((await get("new.example.com", "/x")).json<EchoReply>().service, `${NS}/app`);
  });

  test("request headers to the backend and response headers to the client", async () => {
    const r = await get("headers.example.com", "/page?a=b", { origin: "https://evil.example" });
    const reply = r.json<EchoReply>();
    assert.equal(reply.headers.host, "app.default.svc.cluster.local:8084");
    assert.equal(reply.headers["x-forwarded-prefix"], "/app");
    assert.equal(reply.headers["x-forwarded-path"], "/page?a=b");
    assert.equal(reply.headers.origin, undefined, "an empty value removes the header");
    assert.ok(reply.headers["x-forwarded-for"], "Portico's own forwarded headers stay");
    assert.equal(r.headers["x-frame-options"], "SAMEORIGIN");
  });

  test("fixed responses and deny-paths are answered by nginx", async () => {
    const robots = await get("headers.example.com", "/robots.txt");
    assert.equal(robots.status, 200);
    assert.equal(robots.body, "User-agent: *\nDisallow: /");
    assert.match(String(robots.headers["content-type"]), /^text\/plain/);
    assert.equal((await get("headers.example.com", "/index.PHP")).status, 403);
    assert.equal((await get("headers.example.com", "/deep/x.cgi")).status, 403);
    assert.equal((await get("headers.example.com", "/admin/users")).status, 404);
    assert.equal((await get("headers.example.com", "/administrator")).json<EchoReply>().service, `${NS}/app`, "prefix deny keeps path elements");
  });

  test("require-request-headers: 401 without the header, proxied with it", async () => {
    assert.equal((await get("api.example.com")).status, 401);
    assert.equal((await get("api.example.com", "/", { "x-api-key": "k" })).json<EchoReply>().service, `${NS}/app`);
  });
});
