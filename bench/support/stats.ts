// Small statistics for repeated measurements, and rounding that keeps the JSON readable.

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

/** The value below which `p` (0..1) of the sorted values lie, interpolated between neighbours. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) throw new Error("percentile of no values");
  const at = (sorted.length - 1) * p;
  const low = Math.floor(at);
  const lowValue = sorted[low] as number;
  const highValue = sorted[Math.min(low + 1, sorted.length - 1)] as number;
  return lowValue + (highValue - lowValue) * (at - low);
}

export function summarize(values: number[], digits = 3): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: round(sorted[0] ?? Number.NaN, digits),
    p50: round(percentile(sorted, 0.5), digits),
    p95: round(percentile(sorted, 0.95), digits),
    max: round(sorted.at(-1) ?? Number.NaN, digits),
    mean: round(sorted.reduce((sum, v) => sum + v, 0) / sorted.length, digits),
  };
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Seconds that `work` took, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { seconds: round((performance.now() - started) / 1000), value };
}
