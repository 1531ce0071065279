import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateIngressControllerRequest } from "./ingress-controller.js";
import { request } from "./testing/fixtures.js";

const ic = (spec: unknown, name = "main") => ({
  apiVersion: "portico.dev/v1alpha1",
  kind: "IngressController",
  metadata: { name, namespace: "portico-system" },
  spec,
});

describe("validateIngressControllerRequest", () => {
  it("an empty spec (all defaults) is accepted", () =>
    assert.deepEqual(validateIngressControllerRequest(request(ic({}))), { allowed: true, reasons: [], warnings: [] }));
  it("an unknown field is denied, naming it", () => {
    assert.deepEqual(validateIngressControllerRequest(request(ic({ replicaz: 2 }))).reasons, ["spec.replicaz: is not a known field"]);
  });
  it("a setting out of range is denied, naming the setting path", () => {
    const v = validateIngressControllerRequest(request(ic({ settings: { proxyReadTimeoutSeconds: 0 } })));
    assert.equal(v.allowed, false);
    assert.match(v.reasons.join("\n"), /^spec\.settings\.proxyReadTimeoutSeconds: must be >= 1/m);
  });
  it("a setting of the wrong type is denied", () => {
    const v = validateIngressControllerRequest(request(ic({ settings: { sslRedirect: "yes" } })));
    assert.match(v.reasons.join("\n"), /^spec\.settings\.sslRedirect: must be boolean/m);
  });
  it("a name too long for its children is denied", () => {
    const name = "x".repeat(48);
    assert.deepEqual(validateIngressControllerRequest(request(ic({}, name))).reasons, ["metadata.name: must NOT have more than 47 characters"]);
  });
});
