// Upper bounds on what one object may carry. Admission refuses an object over them; the build
// enforces the same numbers (an object admitted before a limit existed, or written while admission
// was down, is dropped with a diagnostic instead of growing the config without bound).

export const LIMITS = {
  /** rules x paths of one Ingress */
  paths: 5000,
  rules: 1000,
  tls: 500,
  tlsHosts: 1000,
  /** PEM text of tls.crt / tls.key (a long chain is a few tens of KiB) */
  pemBytes: 256 * 1024,
  /** use-regex paths on one host (each is tried in order on every request to the host that no
   * Exact or Prefix location takes) */
  regexPathsPerHost: 64,
} as const;

/** Why an Ingress is over the limits, or undefined. */
export function ingressOverLimits(spec: { rules?: { http?: { paths?: unknown[] } }[]; tls?: { hosts?: unknown[] }[] } | undefined): string | undefined {
  const s = spec ?? {};
  if ((s.rules?.length ?? 0) > LIMITS.rules) return `spec.rules: more than ${LIMITS.rules} rules; split the Ingress`;
  let paths = 0;
  for (const r of s.rules ?? []) paths += r.http?.paths?.length ?? 0;
  if (paths > LIMITS.paths) return `spec.rules: more than ${LIMITS.paths} paths in total; split the Ingress`;
  if ((s.tls?.length ?? 0) > LIMITS.tls) return `spec.tls: more than ${LIMITS.tls} entries`;
  if ((s.tls ?? []).reduce((n, t) => n + (t.hosts?.length ?? 0), 0) > LIMITS.tlsHosts) return `spec.tls: more than ${LIMITS.tlsHosts} hosts in total`;
  return undefined;
}
