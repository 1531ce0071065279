import { test } from "node:test";
import assert from "node:assert/strict";
import { ingressStatusUpdates, toLoadBalancerIngress } from "./ingress-status.js";

const ing = (name: string, lb?: { ip?: string; hostname?: string }[]) => ({
  metadata: { name, namespace: "default" },
  status: lb ? { loadBalancer: { ingress: lb } } : undefined,
});

test("served Ingresses get the published address; unchanged ones are not rewritten", () => {
  const updates = ingressStatusUpdates(
    [ing("a"), ing("b", [{ ip: "127.0.0.1" }])],
    new Map([
      ["default/a", ["127.0.0.1"]],
      ["default/b", ["127.0.0.1"]],
    ]),
    new Set(),
  );
  assert.deepEqual(updates, [{ namespace: "default", name: "a", loadBalancer: [{ ip: "127.0.0.1" }] }]);
});

test("an Ingress that left our classes loses the address; others are never touched", () => {
  const updates = ingressStatusUpdates([ing("left", [{ ip: "127.0.0.1" }]), ing("other", [{ ip: "10.0.0.9" }])], new Map(), new Set(["default/left"]));
  assert.deepEqual(updates, [{ namespace: "default", name: "left", loadBalancer: [] }]);
});

test("hostnames and IPs are told apart", () => {
  assert.deepEqual(toLoadBalancerIngress("lb.example.com"), { hostname: "lb.example.com" });
  assert.deepEqual(toLoadBalancerIngress("192.0.2.1"), { ip: "192.0.2.1" });
  assert.deepEqual(toLoadBalancerIngress("2001:db8::1"), { ip: "2001:db8::1" });
});
