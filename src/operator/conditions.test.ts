import { test } from "node:test";
import assert from "node:assert/strict";
import { configAppliedCondition, reconcileFailure, setConditions, withDroppedIngresses, type ConditionInput } from "./conditions.js";
import { publishedAddress } from "./published-address.js";

const t0 = new Date("2026-01-01T00:00:00.000Z");
const t1 = new Date("2026-01-01T00:05:00.000Z");

test("setConditions keeps lastTransitionTime while the status holds, changes it on a transition", () => {
  const a = setConditions(undefined, [{ type: "Ready", status: "True", reason: "ChildrenApplied", message: "m1" }], 1, t0);
  assert.equal(a[0].lastTransitionTime, "2026-01-01T00:00:00Z");
  const b = setConditions(a, [{ type: "Ready", status: "True", reason: "ChildrenApplied", message: "m2" }], 2, t1);
  assert.equal(b[0].lastTransitionTime, "2026-01-01T00:00:00Z");
  assert.equal(b[0].message, "m2");
  assert.equal(b[0].observedGeneration, 2);
  const c = setConditions(b, [{ type: "Ready", status: "False", reason: "ReconcileFailed", message: "x" }], 2, t1);
  assert.equal(c[0].lastTransitionTime, "2026-01-01T00:05:00Z");
});

test("conditions are kept sorted by type and other types are preserved", () => {
  const a = setConditions(
    undefined,
    [
      { type: "Ready", status: "True", reason: "R", message: "" },
      { type: "Degraded", status: "False", reason: "R", message: "" },
    ],
    1,
    t0,
  );
  const b = setConditions(a, [{ type: "ConfigApplied", status: "Unknown", reason: "R", message: "" }], 1, t0);
  assert.deepEqual(
    b.map((c) => c.type),
    ["ConfigApplied", "Degraded", "Ready"],
  );
});

test("ConfigApplied follows the agent's report against the published hash", () => {
  assert.equal(configAppliedCondition(undefined).status, "Unknown");
  assert.equal(configAppliedCondition({ desiredConfigHash: "abc" }).reason, "Pending");
  assert.equal(configAppliedCondition({ desiredConfigHash: "abc", appliedConfigHash: "old" }).status, "False");
  assert.equal(configAppliedCondition({ desiredConfigHash: "abc", appliedConfigHash: "abc" }).status, "True");
  const failed = configAppliedCondition({ desiredConfigHash: "abc", appliedConfigHash: "abc", lastError: "nginx -t failed" });
  assert.deepEqual([failed.status, failed.reason, failed.message], ["False", "ApplyFailed", "nginx -t failed"]);
});

test("published address: override, then load-balancer ip, then hostname", () => {
  assert.equal(publishedAddress("1.2.3.4", { status: { loadBalancer: { ingress: [{ ip: "9.9.9.9" }] } } }), "1.2.3.4");
  assert.equal(publishedAddress(undefined, { status: { loadBalancer: { ingress: [{ ip: "9.9.9.9" }] } } }), "9.9.9.9");
  assert.equal(publishedAddress(undefined, { status: { loadBalancer: { ingress: [{ hostname: "lb.example" }] } } }), "lb.example");
  assert.equal(publishedAddress(undefined, {}), undefined);
});

test("a forbidden reconcile names the namespace and the chart value that permits it; other failures keep their message", () => {
  const forbidden = Object.assign(new Error("POST /apis/apps/v1/namespaces/team-a/deployments: deployments.apps is forbidden"), { status: 403 });
  const f = reconcileFailure("team-a", forbidden);
  assert.equal(f.reason, "NamespaceNotPermitted");
  assert.match(f.message, /namespace "team-a" is not one where this Portico release may run IngressControllers/);
  assert.match(f.message, /rbac\.extraNamespaces/);
  assert.match(f.message, /is forbidden/, "the API's own message is kept");
  const other = reconcileFailure("team-a", Object.assign(new Error("conflict"), { status: 409 }));
  assert.deepEqual(other, { reason: "ReconcileFailed", message: "conflict" });
});

test("Degraded while the controller lists dropped Ingresses, and back to AsExpected once none is", () => {
  const ok: ConditionInput = { type: "Degraded", status: "False", reason: "AsExpected", message: "all children are in place" };
  const [degraded] = withDroppedIngresses([ok], { droppedIngresses: ["shop/bad: nginx -t refused it"] });
  assert.deepEqual(degraded, {
    type: "Degraded",
    status: "True",
    reason: "IngressesDropped",
    message: "left out of the configuration: shop/bad: nginx -t refused it",
  });
  assert.deepEqual(withDroppedIngresses([degraded!], { droppedIngresses: [] })[0], {
    type: "Degraded",
    status: "False",
    reason: "AsExpected",
    message: "no Ingress is left out",
  });
  const conflict: ConditionInput = { type: "Degraded", status: "True", reason: "IngressClassConflict", message: "x" };
  assert.deepEqual(withDroppedIngresses([conflict], { droppedIngresses: ["a/b: y"] }), [conflict]);
});
