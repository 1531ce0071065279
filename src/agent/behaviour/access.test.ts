// Access-control annotations end to end, real nginx and real requests: basic auth against an
// htpasswd Secret (apr1 hash made by openssl), external auth against a real auth server (sign-in
// redirect, response headers passed on, the auth cookie), address allow and deny lists, satisfy
// any, CORS preflight and actual requests, and a refused annotation answering 503.
import { execFileSync } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { EchoReply } from "../../testing/echo.js";
import { request } from "../../testing/http.js";
import { Harness, NS, World } from "../../testing/world.js";

const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
const A = "nginx.ingress.kubernetes.io/";
const rule = (host: string, name = "app") => ({ rules: [{ host, http: { paths: [{ path: "/", pathType: "Prefix" as const, backend: svc(name) }] } }] });
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

let h: Harness;
let auth: Server;
let authPort = 0;
/** What the auth server saw, last request first. */
const seen: IncomingMessage[] = [];
const w = new World();
const get = (host: string, path = "/", headers: Record<string, string> = {}, method = "GET") =>
  request({ port: h.httpPort, hostHeader: host, path, headers, method });

describe("access control", () => {
  before(async () => {
    // The authentication service: a token admits (and names the user), anything else is 401.
    auth = createServer((req, res) => {
      seen.unshift(req);
      if (req.headers.authorization === "Bearer good" || /session=ok/.test(req.headers.cookie ?? "")) {
        res.writeHead(200, { "X-Auth-Request-User": "alice", "X-Auth-Request-Email": "alice@example.com", "Set-Cookie": "session=ok; Path=/" });
      } else res.writeHead(401);
      res.end();
    });
    await new Promise<void>((r) => auth.listen(0, "127.0.0.1", r));
    authPort = (auth.address() as AddressInfo).port;

    h = await Harness.start();
    await w.service("app");
    const hash = execFileSync("openssl", ["passwd", "-apr1", "s3cret"], { encoding: "utf8" }).trim();
    w.secrets.push({ metadata: { name: "users", namespace: NS }, type: "Opaque", data: { auth: Buffer.from(`bob:${hash}\n`).toString("base64") } });
    w.ingress("basic", rule("basic.example.com"), { [`${A}auth-type`]: "basic", [`${A}auth-secret`]: "users", [`${A}auth-realm`]: "Staff only" });
    w.ingress("basic-missing", rule("missing.example.com"), { [`${A}auth-type`]: "basic", [`${A}auth-secret`]: "nobody" });
    w.ingress("external", rule("ext.example.com"), {
      [`${A}auth-url`]: `http://127.0.0.1:${authPort}/check?host=$host`,
      [`${A}auth-signin`]: "https://login.example.com/start",
      [`${A}auth-response-headers`]: "X-Auth-Request-User, X-Auth-Request-Email",
    });
    w.ingress("allow-other", rule("allow-other.example.com"), { [`${A}whitelist-source-range`]: "10.0.0.0/8" });
    w.ingress("allow-me", rule("allow-me.example.com"), { [`${A}allowlist-source-range`]: "10.0.0.0/8, 127.0.0.1/32" });
    w.ingress("deny-me", rule("deny-me.example.com"), { [`${A}denylist-source-range`]: "127.0.0.0/8" });
    w.ingress("any", rule("any.example.com"), {
      [`${A}auth-type`]: "basic",
      [`${A}auth-secret`]: "users",
      [`${A}whitelist-source-range`]: "10.0.0.0/8",
      [`${A}satisfy`]: "any",
    });
    w.ingress("cors", rule("cors.example.com"), {
      [`${A}enable-cors`]: "true",
      [`${A}cors-allow-origin`]: "https://app.example.com, https://*.tools.example.com",
      [`${A}cors-allow-methods`]: "GET, POST",
      [`${A}cors-expose-headers`]: "X-Request-Id",
      [`${A}cors-max-age`]: "600",
    });
    w.ingress("cors-any", rule("cors-any.example.com"), { [`${A}enable-cors`]: "true" });
    w.ingress("refused", rule("refused.example.com"), { [`${A}enable-owasp-core-rules`]: "true" });
    const result = await h.apply(w);
    assert.deepEqual(
      result.diagnostics.map((d) => `${d.object.name}: ${d.reason}`),
      ["basic-missing: AccessDenied", "refused: AnnotationRefused"],
    );
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
    await new Promise((r) => auth?.close(r));
  });

  test("basic auth: 401 with the realm without or with wrong credentials; the backend sees no Authorization", async () => {
    const none = await get("basic.example.com");
    assert.equal(none.status, 401);
    assert.equal(none.headers["www-authenticate"], 'Basic realm="Staff only"');
    assert.equal((await get("basic.example.com", "/", { authorization: basic("bob", "wrong") })).status, 401);
    const ok = await get("basic.example.com", "/x", { authorization: basic("bob", "s3cret") });
    assert.equal(ok.status, 200);
    assert.equal(ok.json<EchoReply>().path, "/x");
    assert.equal(ok.json<EchoReply>().headers.authorization, undefined);
  });

  test("basic auth with a missing Secret: 503, never served unprotected", async () => {
    assert.equal((await get("missing.example.com")).status, 503);
  });

  test("external auth: 401 redirects to auth-signin with rd; a good token is admitted with the auth headers and cookie", async () => {
    const denied = await get("ext.example.com", "/private?a=1");
    assert.equal(denied.status, 302);
    assert.equal(denied.headers.location, "https://login.example.com/start?rd=http://ext.example.com%2Fprivate%3Fa%3D1");
    const sub = seen[0]!;
    assert.equal(sub.url, "/check?host=ext.example.com");
    assert.equal(sub.headers["x-original-url"], "http://ext.example.com/private?a=1");
    assert.equal(sub.headers["x-original-method"], "GET");

    const ok = await get("ext.example.com", "/private", { authorization: "Bearer good", "x-auth-request-user": "mallory" });
    assert.equal(ok.status, 200);
    const echoed = ok.json<EchoReply>().headers;
    assert.equal(echoed["x-auth-request-user"], "alice", "the auth service's value replaces the client's");
    assert.equal(echoed["x-auth-request-email"], "alice@example.com");
    assert.match(String(ok.headers["set-cookie"]), /session=ok/);
    assert.equal((await get("ext.example.com", "/", { cookie: "session=ok" })).status, 200);
  });

  test("address lists: allowlist without the client is 403, with it 200; denylist with it is 403", async () => {
    assert.equal((await get("allow-other.example.com")).status, 403);
    assert.equal((await get("allow-me.example.com")).status, 200);
    assert.equal((await get("deny-me.example.com")).status, 403);
  });

  test("satisfy any: the address list fails, basic auth admits", async () => {
    assert.equal((await get("any.example.com")).status, 401);
    assert.equal((await get("any.example.com", "/", { authorization: basic("bob", "s3cret") })).status, 200);
  });

  test("CORS: preflight from an allowed origin is 204 with the headers; the backend is not asked", async () => {
    const pre = await get("cors.example.com", "/api", { origin: "https://app.example.com", "access-control-request-method": "POST" }, "OPTIONS");
    assert.equal(pre.status, 204);
    assert.equal(pre.headers["access-control-allow-origin"], "https://app.example.com");
    assert.equal(pre.headers["access-control-allow-methods"], "GET, POST");
    assert.equal(pre.headers["access-control-allow-credentials"], "true");
    assert.equal(pre.headers["access-control-max-age"], "600");
    assert.equal(pre.body, "");
  });

  test("CORS: actual requests from allowed origins (list and *. wildcard) get the headers; others do not", async () => {
    const ok = await get("cors.example.com", "/api", { origin: "https://app.example.com" });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers["access-control-allow-origin"], "https://app.example.com");
    assert.equal(ok.headers["access-control-expose-headers"], "X-Request-Id");
    const wild = await get("cors.example.com", "/api", { origin: "https://a.tools.example.com" });
    assert.equal(wild.headers["access-control-allow-origin"], "https://a.tools.example.com");
    for (const origin of ["https://evil.example.com", "https://a.b.tools.example.com", "https://app.example.com.evil.org"]) {
      const r = await get("cors.example.com", "/api", { origin });
      assert.equal(r.status, 200);
      assert.equal(r.headers["access-control-allow-origin"], undefined, origin);
    }
    const star = await get("cors-any.example.com", "/", { origin: "https://whatever.example.org" });
    assert.equal(star.headers["access-control-allow-origin"], "*");
    assert.equal(star.headers["access-control-allow-methods"], "GET, PUT, POST, DELETE, PATCH, OPTIONS");
  });

  test("an Ingress with a refused annotation answers 503", async () => {
    assert.equal((await get("refused.example.com")).status, 503);
  });
});
