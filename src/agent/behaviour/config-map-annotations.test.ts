// Annotations that read a ConfigMap, end to end with real nginx and real requests: custom-headers
// (response headers on every answer, replacing the backend's header of that name; a missing
// ConfigMap answers 503 while other Ingresses keep serving); auth-proxy-set-headers (a real
// authentication server admits only requests whose subrequest carries the ConfigMap's headers).
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "../../testing/http.js";
import { Harness, World } from "../../testing/world.js";

const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
const A = "nginx.ingress.kubernetes.io/";
const rule = (host: string, path = "/") => ({ rules: [{ host, http: { paths: [{ path, pathType: "Prefix" as const, backend: svc("app") }] } }] });

let h: Harness;
let auth: Server;
/** Headers of each subrequest the authentication server received. */
const asked: IncomingHttpHeaders[] = [];
const w = new World();
const get = (host: string, path = "/") => request({ port: h.httpPort, hostHeader: host, path });

describe("annotations that read a ConfigMap", () => {
  before(async () => {
    auth = createServer((req, res) => {
      asked.push(req.headers);
      // Admits only what the ConfigMap's headers say: the tenant, and the original URI ($request_uri).
      const ok = req.headers["x-auth-tenant"] === "shop" && req.headers["x-forwarded-uri"] === "/private?x=1";
      res.writeHead(ok ? 200 : 401);
      res.end();
    });
    await new Promise<void>((r) => auth.listen(0, "127.0.0.1", r));
    const authUrl = `http://127.0.0.1:${(auth.address() as AddressInfo).port}/check`;
    h = await Harness.start();
    await w.service("app");
    w.configMap("auth-headers", { "X-Auth-Tenant": "shop", "X-Forwarded-Uri": "$request_uri", "X-Sent-From": "portico-shop" });
    w.ingress("authed", rule("authed.example.com"), { [`${A}auth-url`]: authUrl, [`${A}auth-proxy-set-headers`]: "auth-headers" });
    w.ingress("authed-plain", rule("authed-plain.example.com"), { [`${A}auth-url`]: authUrl });
    w.ingress("authed-missing", rule("authed-missing.example.com"), { [`${A}auth-url`]: authUrl, [`${A}auth-proxy-set-headers`]: "nope" });
    w.configMap("security-headers", {
      "Content-Security-Policy": "default-src 'self'",
      "X-Echo-Pod": "replaced",
    });
    w.ingress("headers", rule("headers.example.com"), { [`${A}custom-headers`]: "security-headers" });
    w.ingress("missing", rule("missing.example.com"), { [`${A}custom-headers`]: "no-such-configmap" });
    w.ingress("plain", rule("plain.example.com"));
    const result = await h.apply(w);
    assert.deepEqual(
      result.diagnostics.map((d) => `${d.object.name}: ${d.reason}: ${d.message}`),
      [
        "authed-missing: AccessDenied: auth-proxy-set-headers: ConfigMap default/nope not found; its paths answer 503 until this is fixed",
        "missing: ConfigMapNotFound: custom-headers: ConfigMap default/no-such-configmap not found; its paths answer 503 until this is fixed",
      ],
    );
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
    await new Promise((r) => auth?.close(r));
  });

  test("custom-headers: every entry is a response header, replacing the backend's header of that name", async () => {
    const ok = await get("headers.example.com");
    assert.equal(ok.status, 200);
    assert.equal(ok.headers["content-security-policy"], "default-src 'self'");
    assert.equal(ok.headers["x-echo-pod"], "replaced", "one value: the backend's own X-Echo-Pod is hidden");
    const plain = await get("plain.example.com");
    assert.equal(plain.headers["content-security-policy"], undefined, "another Ingress does not get them");
    assert.match(String(plain.headers["x-echo-pod"]), /^app-0$/);
  });

  test("custom-headers naming a missing ConfigMap: its paths answer 503, other hosts serve", async () => {
    assert.equal((await get("missing.example.com")).status, 503);
    assert.equal((await get("plain.example.com")).status, 200);
  });

  describe("auth-proxy-set-headers", () => {
    test("the authentication service receives the ConfigMap's headers (variables expanded, Portico's own of the same name replaced)", async () => {
      asked.length = 0;
      assert.equal((await get("authed.example.com", "/private?x=1")).status, 200);
      assert.equal(asked.length, 1);
      assert.equal(asked[0]!["x-sent-from"], "portico-shop", "replaces X-Sent-From, one value");
      assert.equal((await get("authed.example.com", "/private?x=2")).status, 401, "the URI it was told is the request's");
    });

    test("without the annotation the headers are not sent (the same service refuses); a missing ConfigMap answers 503", async () => {
      asked.length = 0;
      assert.equal((await get("authed-plain.example.com", "/private?x=1")).status, 401);
      assert.equal(asked[0]!["x-auth-tenant"], undefined);
      assert.equal(asked[0]!["x-sent-from"], "nginx-ingress-controller");
      assert.equal((await get("authed-missing.example.com", "/private?x=1")).status, 503);
    });
  });
});
