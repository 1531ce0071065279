// Percentiles of latency samples, as every benchmark reports them.

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function quantiles(samples: number[]): { n: number; p50: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: Math.round(percentile(s, 50)), p99: Math.round(percentile(s, 99)) };
}

export function summary(label: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return `${label}: n=${s.length} p50=${percentile(s, 50).toFixed(0)} ms p99=${percentile(s, 99).toFixed(0)} ms max=${s.at(-1)!.toFixed(0)} ms`;
}
