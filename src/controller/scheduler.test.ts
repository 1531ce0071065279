import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { RebuildScheduler } from "./scheduler.js";

test("a burst of requests is batched into one run", async () => {
  let runs = 0;
  const s = new RebuildScheduler(async () => void runs++, { holdOffMs: 30, maxDelayMs: 1000 });
  for (let i = 0; i < 20; i++) s.request();
  await sleep(100);
  await s.idle();
  assert.equal(runs, 1);
  s.stop();
});

test("a steady stream still runs within the maximum delay", async () => {
  let runs = 0;
  const s = new RebuildScheduler(async () => void runs++, { holdOffMs: 40, maxDelayMs: 100 });
  // Requests every 10 ms never leave the 40 ms hold-off quiet: only the maximum delay can start a
  // run. Bounded by a count, not the clock, so a loaded machine only makes it slower.
  let requests = 0;
  while (runs < 2 && requests < 500) {
    s.request();
    requests++;
    await sleep(10);
  }
  assert.ok(runs >= 2, `expected runs during a continuous stream, got ${runs} after ${requests} requests`);
  await s.idle();
  s.stop();
});

test("a request during a run causes exactly one more run after it", async () => {
  let runs = 0;
  let release: () => void = () => {};
  const s = new RebuildScheduler(
    async () => {
      runs++;
      if (runs === 1) await new Promise<void>((r) => (release = r));
    },
    { holdOffMs: 5, maxDelayMs: 50 },
  );
  s.request();
  await sleep(30);
  s.request();
  s.request();
  release();
  await sleep(60);
  await s.idle();
  assert.equal(runs, 2);
  s.stop();
});

test("a failed run is retried with backoff until it succeeds", async () => {
  let runs = 0;
  const errors: number[] = [];
  const s = new RebuildScheduler(
    async () => {
      runs++;
      if (runs < 3) throw new Error("boom");
    },
    { holdOffMs: 5, retryInitialMs: 10, retryMaxMs: 40 },
    (_e, _attempt, retryIn) => errors.push(retryIn),
  );
  s.request();
  await sleep(150);
  await s.idle();
  assert.equal(runs, 3);
  assert.deepEqual(errors, [10, 20]);
  s.stop();
});
