import { test } from "node:test";
import assert from "node:assert/strict";
import { selectorString } from "./prune.js";

test("prune selectors: equality, absent labels and excluded values", () => {
  assert.equal(selectorString({ a: "1", b: "2" }), "a=1,b=2");
  assert.equal(
    selectorString({ a: "1" }, ["portico.dev/create-only"], { "app.kubernetes.io/component": "desired-state" }),
    "a=1,!portico.dev/create-only,app.kubernetes.io/component!=desired-state",
  );
});
