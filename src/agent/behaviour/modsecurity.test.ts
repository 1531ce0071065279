// ModSecurity end to end, real nginx (Debian's libnginx-mod-http-modsecurity and modsecurity-crs)
// and real requests: with the Core Rule Set and the engine On an obvious SQL injection is 403 and
// a clean request 200; DetectionOnly (ingress-nginx's default) passes both; a removed rule lets
// the attack through; a location with ModSecurity but without the CRS is not blocked by it even
// though another location loaded it; an Ingress without the WAF is untouched; the typed body
// limit refuses larger bodies.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "../../testing/http.js";
import { Harness, World } from "../../testing/world.js";

const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
const A = "nginx.ingress.kubernetes.io/";
const P = "portico.dev/";
const rule = (host: string) => ({ rules: [{ host, http: { paths: [{ path: "/", pathType: "Prefix" as const, backend: svc("app") }] } }] });
const ATTACK = "/search?id=1'%20OR%20'1'='1";
const CLEAN = "/search?id=42";
const WAF = { [`${A}enable-modsecurity`]: "true" };
const CRS = { ...WAF, [`${A}enable-owasp-core-rules`]: "true" };

let h: Harness;
const w = new World();
const get = (host: string, path: string) => request({ port: h.httpPort, hostHeader: host, path });

describe("ModSecurity", () => {
  before(async () => {
    h = await Harness.start();
    await w.service("app");
    w.ingress("block", rule("block.example.com"), { ...CRS, [`${P}modsecurity-rule-engine`]: "On", [`${A}modsecurity-transaction-id`]: "$request_id" });
    w.ingress("detect", rule("detect.example.com"), CRS);
    w.ingress("removed", rule("removed.example.com"), { ...CRS, [`${P}modsecurity-rule-engine`]: "On", [`${P}modsecurity-remove-rule-ids`]: "949110" });
    w.ingress("no-crs", rule("no-crs.example.com"), { ...WAF, [`${P}modsecurity-rule-engine`]: "On" });
    w.ingress("limit", rule("limit.example.com"), { ...WAF, [`${P}modsecurity-rule-engine`]: "On", [`${P}modsecurity-request-body-limit`]: "1k" });
    w.ingress("plain", rule("plain.example.com"));
    const result = await h.apply(w);
    assert.deepEqual(result.diagnostics, []);
    assert.match(result.state.config, /load_module \S+ngx_http_modsecurity_module\.so;/);
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
  });

  test("CRS with the engine On: the attack is 403, a clean request 200", async () => {
    assert.equal((await get("block.example.com", ATTACK)).status, 403);
    assert.equal((await get("block.example.com", CLEAN)).status, 200);
  });

  test("DetectionOnly (the default engine) passes both", async () => {
    assert.equal((await get("detect.example.com", ATTACK)).status, 200);
    assert.equal((await get("detect.example.com", CLEAN)).status, 200);
  });

  test("a removed rule (the CRS's blocking evaluation) lets the attack through", async () => {
    assert.equal((await get("removed.example.com", ATTACK)).status, 200);
  });

  test("ModSecurity without the CRS is not blocked by the CRS another Ingress loaded; no WAF is untouched", async () => {
    assert.equal((await get("no-crs.example.com", ATTACK)).status, 200);
    assert.equal((await get("plain.example.com", ATTACK)).status, 200);
  });

  test("the typed request body limit refuses a larger body (403, as ModSecurity v3 answers) and passes a smaller one", async () => {
    const post = (size: number) =>
      request({
        port: h.httpPort,
        hostHeader: "limit.example.com",
        path: "/upload",
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: "x".repeat(size),
      });
    assert.equal((await post(4096)).status, 403);
    assert.equal((await post(512)).status, 200);
  });
});
