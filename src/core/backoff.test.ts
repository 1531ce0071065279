import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay } from "./backoff.js";

test("backoff starts at the initial delay, doubles, and stops at the cap", () => {
  const b = { initialMs: 200, maxMs: 1000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => backoffDelay(n, b)),
    [200, 400, 800, 1000, 1000],
  );
  assert.equal(backoffDelay(60, b), 1000, "a long run of failures stays at the cap");
});
