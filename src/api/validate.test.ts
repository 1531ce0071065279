import { test } from "node:test";
import assert from "node:assert/strict";
import { fieldPath, resolveSpec, validateIngressController } from "./validate.js";

const ic = (spec: any, name = "edge") => ({ apiVersion: "portico.dev/v1alpha1", kind: "IngressController", metadata: { name, namespace: "ns" }, spec });

function errors(spec: unknown, name?: string): string[] {
  const r = validateIngressController(ic(spec, name));
  assert.equal(r.ok, false, "expected the spec to be rejected");
  return r.ok ? [] : r.errors;
}

test("an empty spec is valid and gets every default", () => {
  const r = validateIngressController(ic({}));
  assert.ok(r.ok);
  assert.equal(r.value.replicas, 2);
  assert.equal(r.value.service.type, "LoadBalancer");
  assert.deepEqual(r.value.service.ports, { http: 80, https: 443 });
  assert.deepEqual(r.value.ingressClass, { name: "portico", create: true, isDefault: false });
  assert.deepEqual(r.value.defaultBackend, { enabled: true, replicas: 1 });
  assert.equal(r.value.images.nginx.pullPolicy, "IfNotPresent");
  assert.equal(r.value.listen, undefined, "listen has no defaults: local mode picks them");
});

test("validation does not mutate its input", () => {
  const input = ic({});
  validateIngressController(input);
  assert.deepEqual(input.spec, {});
});

test("negative replicas name the field and the bound", () => {
  assert.deepEqual(errors({ replicas: -1 }), ["spec.replicas: must be >= 0"]);
});

test("an unknown service type lists the allowed values", () => {
  assert.deepEqual(errors({ service: { type: "Ingress" } }), ["spec.service.type: must be one of LoadBalancer, NodePort, ClusterIP"]);
});

test("bad settings values name the settings field", () => {
  const e = errors({ settings: { proxyReadTimeoutSeconds: 0, workerProcesses: "many", sslProtocols: ["SSLv3"] } });
  assert.ok(e.includes("spec.settings.proxyReadTimeoutSeconds: must be >= 1"), e.join("\n"));
  assert.ok(
    e.some((m) => /^spec\.settings\.workerProcesses: .*must be integer.* or must be one of auto/.test(m)),
    e.join("\n"),
  );
  assert.ok(e.includes("spec.settings.sslProtocols[0]: must be one of TLSv1.2, TLSv1.3"), e.join("\n"));
});

test("unknown fields are refused by name", () => {
  assert.deepEqual(errors({ replica: 3 }), ["spec.replica: is not a known field"]);
  assert.deepEqual(errors({ settings: { proxyBodySizee: "1m" } }), ["spec.settings.proxyBodySizee: is not a known field"]);
});

test("a missing spec is named", () => {
  const r = validateIngressController({ metadata: { name: "x" } });
  assert.ok(!r.ok);
  assert.deepEqual(r.errors, ["spec: is required"]);
});

test("patterns and ranges across the spec", () => {
  assert.deepEqual(errors({ ingressClass: { name: "Not_A_Name" } }), [
    "spec.ingressClass.name: has an invalid format (must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)",
  ]);
  assert.deepEqual(errors({ service: { ports: { httpNodePort: 80 } } }), ["spec.service.ports.httpNodePort: must be >= 30000"]);
  assert.deepEqual(errors({ tolerations: [{ operator: "Maybe" }] }), ["spec.tolerations[0].operator: must be one of Exists, Equal"]);
  assert.ok(errors({ resources: { limits: { memory: "lots" } } })[0].startsWith("spec.resources.limits.memory: "));
  assert.ok(errors({ publishAddress: "not an address" })[0].startsWith("spec.publishAddress: has an invalid format"));
});

test("names too long for child Service names are refused", () => {
  assert.ok(errors({}, "a".repeat(48))[0].startsWith("metadata.name: must NOT have more than 47 characters"));
});

test("valid full spec passes and keeps user values", () => {
  const spec = resolveSpec(
    ic({
      replicas: 0,
      service: { type: "NodePort", ports: { http: 8080, httpNodePort: 30080 } },
      settings: { workerProcesses: 4 },
      resources: { limits: { cpu: "500m", memory: 134217728 } },
    }),
  );
  assert.equal(spec.replicas, 0);
  assert.equal(spec.service.ports.http, 8080);
  assert.equal(spec.service.ports.https, 443);
  assert.equal(spec.settings?.workerProcesses, 4);
});

test("resolveSpec throws with every field named", () => {
  assert.throws(() => resolveSpec(ic({ replicas: -2, service: { type: "X" } })), /spec\.replicas: must be >= 0; spec\.service\.type: must be one of/);
});

test("fieldPath renders JSON pointers as field paths", () => {
  assert.equal(fieldPath("/spec/tolerations/0/key"), "spec.tolerations[0].key");
  assert.equal(fieldPath("/spec/service", "annotations"), "spec.service.annotations");
  assert.equal(fieldPath("/spec/service/annotations/a~1b"), "spec.service.annotations.a/b");
  assert.equal(fieldPath(""), "(root)");
});

test("settings the renderer cannot use are refused, naming the field (were accepted, then froze the build)", () => {
  const cidr = errors({ settings: { proxyRealIpCidrs: ["10.0.0.0/8", "999.1.1.1"] } });
  assert.ok(
    cidr.some((e) => e.startsWith("spec.settings.proxyRealIpCidrs[1]:")),
    cidr.join("\n"),
  );
  assert.ok(
    errors({ listen: { address: "localhost" } }).some((e) => e.startsWith("spec.listen.address:")),
    "listen.address must be an IP",
  );
  assert.ok(validateIngressController(ic({ settings: { proxyRealIpCidrs: ["10.0.0.0/8", "::1", "fd00::/8", "1.2.3.4"] }, listen: { address: "::1" } })).ok);
  assert.ok(validateIngressController(ic({ hostSharing: { namespaces: ["*"] } })).ok);
  assert.ok(errors({ hostSharing: { namespaces: ["Bad_NS"] } }).some((e) => e.startsWith("spec.hostSharing.namespaces[0]:")));
});
