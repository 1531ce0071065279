// The contract of a DesiredStateSource (src/agent/source.ts): what the Agent relies on, wherever the
// desired state comes from. Each implementation's test file calls describeDesiredStateSource with a
// subject that publishes states the way that source's writer does (files in a directory; shards
// then index in the Kubernetes API). Every wait is bounded by a condition, never by a sleep.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { DesiredState } from "../../core/contract.js";
import { desiredStateFromParts } from "../../agent/state-hash.js";
import type { DesiredStateSource } from "../../agent/source.js";
import { until as untilDone } from "../until.js";

export interface SourceSubject {
  source: DesiredStateSource;
  /** Publishes a state the way its writer does; each call is a write the source can see, even of
   * the same state again. */
  publish(state: DesiredState): Promise<void>;
  /** Publishes `state` corrupt or half-written, as a reader can meet it mid-write or after damage. */
  publishCorrupt(state: DesiredState): Promise<void>;
  /** Removes what was published. */
  remove(): Promise<void>;
  /** How this source answers a removal besides delivering nothing: an error, or silence. */
  removal: "reported" | "silent";
  cleanup(): Promise<void>;
}

/** A distinct, valid state per number; odd ones carry every optional part (balancing policies and
 * files), so a source that drops one is caught. */
function sampleState(n: number): DesiredState {
  const full = n % 2 === 1;
  return desiredStateFromParts(
    `# contract state ${n}\nevents {}\n`,
    { web: [{ address: `198.18.0.${10 + n}`, port: 8080 }], ...(full ? { api: [{ address: "198.18.1.1", port: 9000 + n }] } : {}) },
    { "a.test": "c1" },
    { c1: { certificate: `CERT ${n}`, key: `KEY ${n}` } },
    full ? { balancing: { api: { loadBalance: "ewma" } }, files: { [`ca-${n}.crt`]: `CA ${n}` } } : {},
  );
}

export function describeDesiredStateSource(name: string, make: () => Promise<SourceSubject>): void {
  describe(`DesiredStateSource contract: ${name}`, () => {
    let subject: SourceSubject;
    const got: DesiredState[] = [];
    const errors: string[] = [];
    const published = new Map<string, DesiredState>();
    const until = <T>(what: string, fn: () => T | undefined) =>
      untilDone(what, fn, { timeoutMs: 30_000, context: () => `delivered: ${got.map(label).join(", ")}\nerrors: ${errors.join(" | ")}` });
    const label = (s: DesiredState) => /# contract state (\d+)/.exec(s.config)?.[1] ?? s.hashes.all.slice(0, 8);
    const publish = async (s: DesiredState) => {
      published.set(s.hashes.all, s);
      await subject.publish(s);
    };
    const delivered = (s: DesiredState) => until(`state ${label(s)} delivered`, () => (got.at(-1)?.hashes.all === s.hashes.all ? true : undefined));
    /** Every delivery is a state that was published, whole, and never the same one twice in a row. */
    const assertDeliveriesValid = () => {
      got.forEach((s, i) => {
        assert.deepEqual(s, published.get(s.hashes.all), `delivery ${i} (${label(s)}) is exactly a published state`);
        if (i > 0) assert.notEqual(s.hashes.all, got[i - 1].hashes.all, `delivery ${i} (${label(s)}) repeats the one before`);
      });
    };

    before(async () => {
      subject = await make();
    });
    after(async () => {
      await subject?.source.stop();
      await subject?.cleanup();
    });

    test("the state published before start is delivered first, whole", async () => {
      await publish(sampleState(1));
      await subject.source.start(
        (s) => got.push(s),
        (e) => errors.push(e.message),
      );
      await delivered(sampleState(1));
      assert.equal(got.length, 1);
      assertDeliveriesValid();
      assert.deepEqual(errors, []);
    });

    test("updates are delivered in order, the last one always, and the same state never twice in a row", async () => {
      const from = got.length;
      for (const n of [2, 3, 4]) await publish(sampleState(n));
      await delivered(sampleState(4));
      await publish(sampleState(4)); // the same state written again
      await publish(sampleState(5));
      await delivered(sampleState(5));
      const order = got.slice(from).map((s) => Number(label(s)));
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        `delivered in publication order: ${order.join(", ")}`,
      );
      assert.equal(order.filter((n) => n === 4).length, 1, "state 4 delivered once");
      assertDeliveriesValid();
      assert.deepEqual(errors, []);
    });

    test("a corrupt or half-written state is reported and never delivered; the next good state is", async () => {
      const from = got.length;
      const errorsBefore = errors.length;
      await subject.publishCorrupt(sampleState(6));
      await until("the corrupt state reported", () => (errors.length > errorsBefore ? true : undefined));
      assert.equal(got.length, from, "nothing delivered for it");
      await publish(sampleState(7));
      await delivered(sampleState(7));
      assert.deepEqual(got.slice(from).map(label), ["7"], "only the good state after it");
      assertDeliveriesValid();
    });

    test("a removed state delivers nothing (the last one keeps serving); a state published again is delivered", async () => {
      const from = got.length;
      const errorsBefore = errors.length;
      await subject.remove();
      if (subject.removal === "reported") await until("the removal reported", () => (errors.length > errorsBefore ? true : undefined));
      await publish(sampleState(8));
      await delivered(sampleState(8));
      assert.deepEqual(got.slice(from).map(label), ["8"], "nothing delivered for the removal");
      assertDeliveriesValid();
    });
  });
}
