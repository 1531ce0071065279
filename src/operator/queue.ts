// A keyed work queue with latest-wins coalescing and exponential backoff. Pepr's Reconcile is a
// FIFO without coalescing or retries; this queue is what the operator actually runs work through:
// - one run per key at a time; keys run in parallel up to `concurrency`;
// - enqueueing a key that is already waiting merges the hints (no duplicate runs);
// - a key enqueued while running runs once more afterwards (never lost, never doubled);
// - a failed run is retried after base * 2^attempts (capped), unless new work arrives first.

import { backoffDelay } from "../core/backoff.js";

export interface QueueOptions<H> {
  concurrency?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Combine hints of coalesced enqueues. */
  merge: (a: H, b: H) => H;
  onError?: (key: string, err: unknown, attempt: number, retryInMs: number) => void;
}

interface Entry<H> {
  hints?: H;
  running: boolean;
  attempts: number;
  timer?: NodeJS.Timeout;
}

export class KeyedQueue<H> {
  readonly #work: (key: string, hints: H) => Promise<void>;
  readonly #opts: Required<Omit<QueueOptions<H>, "onError">> & Pick<QueueOptions<H>, "onError">;
  readonly #entries = new Map<string, Entry<H>>();
  readonly #ready: string[] = [];
  #active = 0;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];

  constructor(work: (key: string, hints: H) => Promise<void>, opts: QueueOptions<H>) {
    this.#work = work;
    this.#opts = { concurrency: 4, baseDelayMs: 500, maxDelayMs: 300_000, ...opts };
  }

  enqueue(key: string, hints: H): void {
    if (this.#stopped) return;
    let e = this.#entries.get(key);
    if (!e) this.#entries.set(key, (e = { running: false, attempts: 0 }));
    e.hints = e.hints === undefined ? hints : this.#opts.merge(e.hints, hints);
    if (e.timer) {
      clearTimeout(e.timer); // new work: do not wait out the backoff of an older failure
      e.timer = undefined;
    }
    if (!e.running && !this.#ready.includes(key)) this.#ready.push(key);
    this.#pump();
  }

  /** Delay before retry number `attempt` (1-based). */
  delayFor(attempt: number): number {
    return backoffDelay(attempt, { initialMs: this.#opts.baseDelayMs, maxMs: this.#opts.maxDelayMs });
  }

  pending(): number {
    return [...this.#entries.values()].filter((e) => e.hints !== undefined || e.running).length;
  }

  /** Resolves when nothing is queued or running (scheduled retries do not count). */
  idle(): Promise<void> {
    if (this.#active === 0 && this.#ready.length === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  stop(): void {
    this.#stopped = true;
    for (const e of this.#entries.values()) if (e.timer) clearTimeout(e.timer);
    this.#ready.length = 0;
  }

  #pump(): void {
    while (!this.#stopped && this.#active < this.#opts.concurrency && this.#ready.length) {
      const key = this.#ready.shift()!;
      const e = this.#entries.get(key);
      if (!e || e.running || e.hints === undefined) continue;
      const hints = e.hints;
      e.hints = undefined;
      e.running = true;
      this.#active++;
      this.#work(key, hints).then(
        () => this.#done(key, e, undefined, hints),
        (err) => this.#done(key, e, err ?? new Error("failed"), hints),
      );
    }
    if (this.#active === 0 && this.#ready.length === 0) {
      const w = this.#idleWaiters.splice(0);
      for (const r of w) r();
    }
  }

  #done(key: string, e: Entry<H>, err: unknown, hints: H): void {
    e.running = false;
    this.#active--;
    if (err === undefined) {
      e.attempts = 0;
      if (e.hints !== undefined) this.#ready.push(key);
      else this.#entries.delete(key);
    } else {
      e.attempts++;
      e.hints = e.hints === undefined ? hints : this.#opts.merge(hints, e.hints);
      const delay = this.delayFor(e.attempts);
      this.#opts.onError?.(key, err, e.attempts, delay);
      if (!this.#stopped) {
        e.timer = setTimeout(() => {
          e.timer = undefined;
          if (!this.#ready.includes(key)) this.#ready.push(key);
          this.#pump();
        }, delay);
        e.timer.unref?.();
      }
    }
    this.#pump();
  }
}
