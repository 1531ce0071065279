import assert from "node:assert/strict";
import { test } from "node:test";
import { BASE_TIMEOUTS, PER_MIB_MS, parseTimeoutMs, timeoutsFor } from "./timeouts.js";

test("a small config gets the base limits plus one MiB's allowance", () => {
  assert.deepEqual(timeoutsFor(0), BASE_TIMEOUTS);
  assert.deepEqual(timeoutsFor(10_000), { configTestMs: BASE_TIMEOUTS.configTestMs + PER_MIB_MS, reloadMs: BASE_TIMEOUTS.reloadMs + PER_MIB_MS });
});

test("the limits grow with each started MiB of config, from the given base", () => {
  const base = { configTestMs: 5_000, reloadMs: 2_000 };
  assert.deepEqual(timeoutsFor(10 * 1024 * 1024, base), { configTestMs: 5_000 + 10 * PER_MIB_MS, reloadMs: 2_000 + 10 * PER_MIB_MS });
  assert.deepEqual(timeoutsFor(10 * 1024 * 1024 + 1, base), { configTestMs: 5_000 + 11 * PER_MIB_MS, reloadMs: 2_000 + 11 * PER_MIB_MS });
});

test("a negative or non-numeric size is refused", () => {
  assert.throws(() => timeoutsFor(-1), /config size: must be a non-negative number/);
  assert.throws(() => timeoutsFor(Number.NaN), /config size/);
});

test("timeout flags: whole milliseconds of at least 1 s, with the flag named", () => {
  assert.equal(parseTimeoutMs("90000", "--config-test-timeout"), 90_000);
  assert.throws(() => parseTimeoutMs("1.5", "--reload-timeout"), /--reload-timeout: must be a whole number of milliseconds, at least 1000, got "1.5"/);
  assert.throws(() => parseTimeoutMs("999", "--reload-timeout"), /at least 1000/);
  assert.throws(() => parseTimeoutMs("10s", "--config-test-timeout"), /--config-test-timeout/);
});
