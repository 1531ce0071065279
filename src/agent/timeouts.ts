// How long `nginx -t` and a reload (or a start) may take for one config. Parsing grows with the
// config: a 10,000-Ingress config (~10 MiB) has taken 16–138 s to reload on a loaded 2-core box,
// so a fixed limit would refuse a good config or count a slow but healthy reload as failed.

export interface ApplyTimeouts {
  /** `nginx -t`: past it the test is killed and the config refused (the running one stays). */
  configTestMs: number;
  /** A reload or a start: past it the new generation counts as not taken. */
  reloadMs: number;
}

/** Limits for a config of (about) 0 bytes; each MiB of config adds PER_MIB_MS to both. */
export const BASE_TIMEOUTS: ApplyTimeouts = { configTestMs: 60_000, reloadMs: 15_000 };
export const PER_MIB_MS = 30_000;

const MIB = 1024 * 1024;

/** The limits for a config of `configBytes`, grown from `base` by PER_MIB_MS per started MiB. */
export function timeoutsFor(configBytes: number, base: ApplyTimeouts = BASE_TIMEOUTS): ApplyTimeouts {
  if (!Number.isFinite(configBytes) || configBytes < 0) throw new Error(`config size: must be a non-negative number of bytes, got ${configBytes}`);
  const extra = Math.ceil(configBytes / MIB) * PER_MIB_MS;
  return { configTestMs: base.configTestMs + extra, reloadMs: base.reloadMs + extra };
}

/** A limit given on the command line or in the environment: whole milliseconds, at least 1 s. */
export function parseTimeoutMs(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1000)
    throw new Error(`${flag}: must be a whole number of milliseconds, at least 1000, got "${value}"`);
  return n;
}
