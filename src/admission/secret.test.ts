import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateSecret } from "./secret.js";
import { AdmissionState } from "./state.js";
import { ingress, otherClass, ourClass, request } from "./testing/fixtures.js";
import { makeCert, tlsSecret } from "./testing/certs.js";

function state() {
  const st = new AdmissionState();
  st.replaceAll("IngressClass", [ourClass("portico"), otherClass("nginx")]);
  st.replaceAll("Secret", []);
  st.replaceAll("Ingress", [
    ingress({ name: "shop", namespace: "web", host: "shop.example.com", tls: [{ hosts: ["shop.example.com"], secretName: "shop-tls" }] }),
    ingress({ name: "theirs", namespace: "web", host: "x.example.com", className: "nginx", tls: [{ hosts: ["x.example.com"], secretName: "their-tls" }] }),
  ]);
  return st;
}

const good = makeCert({ dnsNames: ["shop.example.com"] });
const mismatched = { crt: good.crt, key: makeCert({ dnsNames: ["shop.example.com"] }, true).key };

describe("validateSecret", () => {
  it("an update that breaks a serving host is denied, naming the Ingress", () => {
    const v = validateSecret(request(tlsSecret("web", "shop-tls", mismatched), "UPDATE", tlsSecret("web", "shop-tls", good)), state().context());
    assert.deepEqual(v.reasons, [
      'Secret "web/shop-tls" (used by Ingress "web/shop"): tls.key does not match the certificate in tls.crt (first certificate of the chain)',
    ]);
  });
  it("a valid update passes; one for other names warns", () => {
    assert.deepEqual(validateSecret(request(tlsSecret("web", "shop-tls", good), "UPDATE"), state().context()), { allowed: true, reasons: [], warnings: [] });
    const v = validateSecret(request(tlsSecret("web", "shop-tls", makeCert({ dnsNames: ["else.example.com"] })), "UPDATE"), state().context());
    assert.equal(v.allowed, true);
    assert.deepEqual(v.warnings, [
      'Secret "web/shop-tls" (used by Ingress "web/shop"): certificate does not cover "shop.example.com" (its DNS names: else.example.com)',
    ]);
  });
  it("a create of a referenced Secret is checked too", () => {
    assert.equal(validateSecret(request(tlsSecret("web", "shop-tls", { crt: good.crt })), state().context()).allowed, false);
  });
  it("Secrets not used by our Ingresses are approved untouched", () => {
    const ok = { allowed: true, reasons: [], warnings: [] };
    assert.deepEqual(validateSecret(request(tlsSecret("web", "unused", mismatched)), state().context()), ok);
    assert.deepEqual(validateSecret(request(tlsSecret("web", "their-tls", mismatched)), state().context()), ok);
    assert.deepEqual(validateSecret(request(tlsSecret("other", "shop-tls", mismatched)), state().context()), ok);
    const opaque = { ...tlsSecret("web", "shop-tls", mismatched), type: "Opaque" };
    assert.deepEqual(validateSecret(request(opaque), state().context()), ok);
  });
  it("once the Ingress moves away, the Secret is no longer ours", () => {
    const st = state();
    st.upsert("Ingress", ingress({ name: "shop", namespace: "web", host: "shop.example.com", className: "nginx", tls: [{ secretName: "shop-tls" }] }));
    assert.equal(validateSecret(request(tlsSecret("web", "shop-tls", mismatched)), st.context()).allowed, true);
  });
});
