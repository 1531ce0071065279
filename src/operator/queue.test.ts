import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyedQueue } from "./queue.js";

type H = { n: number[] };
const merge = (a: H, b: H): H => ({ n: [...a.n, ...b.n] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("enqueues of a waiting key coalesce into one run with merged hints", async () => {
  const runs: [string, number[]][] = [];
  let block!: () => void;
  const gate = new Promise<void>((r) => (block = r));
  const q2 = new KeyedQueue<H>(
    async (k, h) => {
      runs.push([k, h.n]);
      if (k === "a") await gate;
    },
    { merge, concurrency: 1 },
  );
  q2.enqueue("a", { n: [1] }); // runs, blocks the only worker
  q2.enqueue("b", { n: [2] });
  q2.enqueue("b", { n: [3] });
  q2.enqueue("b", { n: [4] });
  block();
  await q2.idle();
  assert.deepEqual(runs, [
    ["a", [1]],
    ["b", [2, 3, 4]],
  ]);
});

test("a key enqueued while running runs exactly once more, never concurrently", async () => {
  let active = 0;
  let maxActive = 0;
  const seen: number[][] = [];
  const q = new KeyedQueue<H>(
    async (_k, h) => {
      active++;
      maxActive = Math.max(maxActive, active);
      seen.push(h.n);
      await sleep(20);
      active--;
    },
    { merge, concurrency: 4 },
  );
  q.enqueue("x", { n: [1] });
  await sleep(5);
  q.enqueue("x", { n: [2] });
  q.enqueue("x", { n: [3] });
  await sleep(100);
  await q.idle();
  assert.equal(maxActive, 1);
  assert.deepEqual(seen, [[1], [2, 3]]);
});

test("different keys run in parallel up to the concurrency", async () => {
  let active = 0;
  let maxActive = 0;
  const q = new KeyedQueue<H>(
    async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(20);
      active--;
    },
    { merge, concurrency: 2 },
  );
  for (const k of ["a", "b", "c", "d"]) q.enqueue(k, { n: [] });
  await sleep(10);
  await q.idle();
  await sleep(60);
  assert.equal(maxActive, 2);
});

test("failures are retried with exponential backoff until success", async () => {
  const times: number[] = [];
  const errors: [number, number][] = [];
  let fails = 3;
  const q = new KeyedQueue<H>(
    async () => {
      times.push(Date.now());
      if (fails-- > 0) throw new Error("boom");
    },
    { merge, baseDelayMs: 20, maxDelayMs: 1000, onError: (_k, _e, attempt, delay) => errors.push([attempt, delay]) },
  );
  q.enqueue("k", { n: [1] });
  await sleep(400);
  assert.equal(times.length, 4);
  assert.deepEqual(errors, [
    [1, 20],
    [2, 40],
    [3, 80],
  ]);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  assert.ok(gaps[0] >= 18 && gaps[1] >= 38 && gaps[2] >= 78, `gaps ${gaps}`);
  assert.equal(q.pending(), 0);
});

test("backoff is capped", () => {
  const q = new KeyedQueue<H>(async () => {}, { merge, baseDelayMs: 100, maxDelayMs: 1000 });
  assert.deepEqual(
    [1, 2, 3, 4, 5, 10].map((a) => q.delayFor(a)),
    [100, 200, 400, 800, 1000, 1000],
  );
});

test("new work during a backoff runs at once; stop() cancels retries", async () => {
  let calls = 0;
  const q = new KeyedQueue<H>(
    async (_k, h) => {
      calls++;
      if (h.n.includes(1)) throw new Error("x");
    },
    { merge: (_a, b) => b, baseDelayMs: 10_000 },
  );
  q.enqueue("k", { n: [1] });
  await sleep(20);
  assert.equal(calls, 1);
  q.enqueue("k", { n: [2] }); // replaces the failed hints (this merge is "latest wins")
  await sleep(20);
  assert.equal(calls, 2);
  q.enqueue("k", { n: [1] });
  await sleep(20);
  q.stop();
  assert.equal(calls, 3);
});
