// The one retry rule: the delay before retry number `attempt` (1-based) starts at `initialMs` and
// doubles, capped at `maxMs`. Used by the rebuild scheduler, the operator's queue, the agent's
// nginx restarts and its watch of the desired state.

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export function backoffDelay(attempt: number, { initialMs, maxMs }: Backoff): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}
