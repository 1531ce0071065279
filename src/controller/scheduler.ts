// Batches bursts of changes into one rebuild: each request restarts a short hold-off, but a
// rebuild never waits longer than maxDelay after the first pending request, so a steady stream of
// changes still converges (Contour's hold-off). Runs are serialized: a request during a run
// schedules exactly one more run after it. A failed run is retried with exponential backoff.

import { backoffDelay } from "../core/backoff.js";

export interface SchedulerOptions {
  holdOffMs: number;
  maxDelayMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  holdOffMs: 50,
  maxDelayMs: 500,
  retryInitialMs: 200,
  retryMaxMs: 30_000,
};

export class RebuildScheduler {
  private readonly options: SchedulerOptions;
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAt: number | undefined;
  private running = false;
  private pendingDuringRun = false;
  private failures = 0;
  private stopped = false;
  /** Resolves when no run is pending or in progress (for tests and graceful stop). */
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly run: () => Promise<void>,
    options: Partial<SchedulerOptions> = {},
    private readonly onError: (err: unknown, attempt: number, retryInMs: number) => void = () => {},
  ) {
    this.options = { ...DEFAULT_SCHEDULER_OPTIONS, ...options };
  }

  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.pendingDuringRun = true;
      return;
    }
    const now = Date.now();
    this.firstPendingAt ??= now;
    const deadline = this.firstPendingAt + this.options.maxDelayMs;
    const delay = Math.max(0, Math.min(this.options.holdOffMs, deadline - now));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.fire(), delay);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.notifyIdle();
  }

  idle(): Promise<void> {
    if (!this.running && !this.timer) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async fire(): Promise<void> {
    this.timer = undefined;
    this.firstPendingAt = undefined;
    this.running = true;
    let retryIn: number | undefined;
    try {
      await this.run();
      this.failures = 0;
    } catch (err) {
      this.failures++;
      retryIn = backoffDelay(this.failures, { initialMs: this.options.retryInitialMs, maxMs: this.options.retryMaxMs });
      this.onError(err, this.failures, retryIn);
    } finally {
      this.running = false;
    }
    if (this.stopped) return this.notifyIdle();
    if (this.pendingDuringRun) {
      this.pendingDuringRun = false;
      this.request();
    } else if (retryIn !== undefined) {
      this.timer = setTimeout(() => void this.fire(), retryIn);
    } else {
      this.notifyIdle();
    }
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
