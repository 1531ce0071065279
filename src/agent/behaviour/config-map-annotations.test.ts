// Annotations that read a ConfigMap, end to end with real nginx and real requests: custom-headers
// (response headers on every answer, replacing the backend's header of that name; a missing
// ConfigMap answers 503 while other Ingresses keep serving).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "../../testing/http.js";
import { Harness, World } from "../../testing/world.js";

const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
const A = "nginx.ingress.kubernetes.io/";
const rule = (host: string, path = "/") => ({ rules: [{ host, http: { paths: [{ path, pathType: "Prefix" as const, backend: svc("app") }] } }] });

let h: Harness;
const w = new World();
const get = (host: string, path = "/") => request({ port: h.httpPort, hostHeader: host, path });

describe("annotations that read a ConfigMap", () => {
  before(async () => {
    h = await Harness.start();
    await w.service("app");
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
      ["missing: ConfigMapNotFound: custom-headers: ConfigMap default/no-such-configmap not found; its paths answer 503 until this is fixed"],
    );
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
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
});
