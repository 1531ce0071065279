// Polls until a check yields a value; on timeout fails with the last error and whatever context
// the caller adds (a process's output), so a failure explains itself.
import assert from "node:assert/strict";

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs?: number; intervalMs?: number; context?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) assert.fail(`${what}: timed out (${String(last)})${opts.context ? `\n${opts.context()}` : ""}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}
