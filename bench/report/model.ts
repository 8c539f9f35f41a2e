// The capacity model: each cost the scaling suite measured, fitted against the database's
// size (a fixed cost plus a cost per GiB, least squares), its own error by leaving one
// size out, and what it predicts for sizes this machine cannot hold.
import type { ScalingPoint } from "../suites/scaling.ts";

export interface Fit {
  /** The cost at size zero: what every run pays whatever the size. */
  intercept: number;
  /** The cost of each further GiB. */
  slope: number;
}

export interface Sample {
  /** The database's size, GiB (pg_database_size, as measured). */
  x: number;
  y: number;
  /** The size asked for, which names the point in tables. */
  sizeGb: number;
  beyondMemory: boolean;
}

/** Least squares of y = intercept + slope·x; needs two different sizes. */
export function fitLinear(points: { x: number; y: number }[]): Fit {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  if (n < 2 || sxx === 0) throw new Error("a fit needs at least two different sizes");
  const slope = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / sxx;
  return { intercept: my - slope * mx, slope };
}

export const predict = (fit: Fit, x: number) => fit.intercept + fit.slope * x;

export interface Cost {
  key: string;
  title: string;
  unit: "seconds" | "bytes";
  samples: Sample[];
}

/** How the shipped retention keeps backups: fulls and WAL for `days` + 1 days of daily fulls, `diffs` differentials. */
export interface Retention {
  days: number;
  diffs: number;
}

/** The manifests' retention (repo1-retention-full-type=time: days), pgBackRest's words. */
export function retentionOf(settings: Record<string, string>): Retention {
  return {
    days: Number(settings["repo1-retention-full"] ?? 7),
    diffs: Number(settings["repo1-retention-diff"] ?? 3),
  };
}

/**
 * Repository bytes the retention holds with daily fulls: a full a day for days + 1 days
 * (pgBackRest expires a full only once a newer one is `days` old), the WAL of those
 * days, and `diffs` differentials, each at most a day's change.
 */
export function retentionBytes(
  retention: Retention,
  day: { fullBytes: number; diffBytes: number; walBytes: number },
): number {
  const kept = retention.days + 1;
  return kept * day.fullBytes + retention.diffs * day.diffBytes + kept * day.walBytes;
}

const GIB = 2 ** 30;

/** Every cost of the model, from the scaling suite's points (a cost a point lacks is left out there). */
export function costs(points: ScalingPoint[], retention: Retention): Cost[] {
  const series = (
    key: string,
    title: string,
    unit: Cost["unit"],
    of: (p: ScalingPoint) => number | undefined,
  ): Cost => ({
    key,
    title,
    unit,
    samples: points.flatMap((p) => {
      const y = of(p);
      return y === undefined
        ? []
        : [
            {
              x: p.databaseBytes / GIB,
              y,
              sizeGb: p.sizeGb,
              beyondMemory: p.memoryLimitBytes !== undefined,
            },
          ];
    }),
  });
  const restore = (p: ScalingPoint, processes: number) =>
    p.restores?.find((r) => r.processes === processes)?.restore.totalSeconds;
  return [
    series("full", "full backup, process-max 2", "seconds", (p) => p.full.seconds),
    series("full-1", "full backup, process-max 1", "seconds", (p) => p.fullOneProcess?.seconds),
    series("incr", "incr after a day's change", "seconds", (p) => p.skewed?.incr.seconds),
    series("restore", "restore until promoted, process-max 2", "seconds", (p) => restore(p, 2)),
    series("restore-1", "restore until promoted, process-max 1", "seconds", (p) => restore(p, 1)),
    series("validation", "weekly restore validation", "seconds", (p) => p.validation.totalSeconds),
    series(
      "validation-delta",
      "restore validation with --delta after a day's change",
      "seconds",
      (p) => p.skewed?.validationDelta?.totalSeconds,
    ),
    series("repository", "repository for the shipped retention", "bytes", (p) =>
      p.skewed
        ? retentionBytes(retention, {
            fullBytes: p.full.repoBytes,
            diffBytes: p.skewed.fileLevel.incr.repoBytes,
            walBytes: p.skewed.walArchivedBytes,
          })
        : undefined,
    ),
    series("scratch", "validation scratch disk", "bytes", (p) => p.scratchBytes),
  ];
}

export interface HeldOut {
  cost: Cost;
  sample: Sample;
  predicted: number;
  /** (predicted − measured) / measured. */
  error: number;
  why: "largest in memory" | "beyond memory";
}

/** The error bound the model is held to on a size it was not fitted on. */
export const MAX_ERROR = 0.25;

/**
 * Leave one out: for the largest size that fits in memory and each size beyond memory,
 * fit on every other size and predict the one left out. Needs three sizes of the cost.
 */
export function leaveOneOut(cost: Cost): HeldOut[] {
  const { samples } = cost;
  if (samples.length < 3) return [];
  const inMemory = samples.filter((s) => !s.beyondMemory);
  const largest = inMemory.length > 0 ? inMemory.reduce((a, b) => (b.x > a.x ? b : a)) : undefined;
  return samples
    .filter((s) => s === largest || s.beyondMemory)
    .map((sample) => {
      const predicted = predict(fitLinear(samples.filter((s) => s !== sample)), sample.x);
      return {
        cost,
        sample,
        predicted,
        error: (predicted - sample.y) / sample.y,
        why: sample.beyondMemory ? "beyond memory" : "largest in memory",
      };
    });
}

/** The sizes the model predicts, GiB: 100 GiB, 1 TiB and 5 TiB. */
export const PREDICTED_SIZES = [100, 1024, 5120] as const;
