// What each operation costs as the database grows: for each size (--sizes), a database of
// its own is generated and, with the product's settings (manifests/), backed up in full;
// validated as the weekly CronJob does; backed up incrementally after 1 % of rows appended
// (then twice with nothing changed, with and without --delta) and again after 1 % of rows
// updated uniformly; then, after another 1 % appended, restored
// in place to a point in time with the PITR Job's --delta. The database and its repository
// are removed before the next size, so the disk holds one size at a time.
import { appendRows, generate, updateUniformly } from "../support/dataset.ts";
import type { Lab } from "../support/lab.ts";
import { type BackupResult, backup, type RestoreResult } from "../support/pg.ts";
import { driftToTarget, pitrInPlace } from "./pitr.ts";
import { type ValidationRun, validate } from "./validation.ts";

export interface ScalingPoint {
  /** The size asked for, GiB. */
  sizeGb: number;
  rows: number;
  databaseBytes: number;
  pgdataBytes: number;
  loadSeconds: number;
  full: BackupResult;
  validation: Omit<ValidationRun, "checks">;
  appendedRows: number;
  incrAppended: BackupResult;
  /**
   * Incrs with nothing changed since the last, with the product's settings, with
   * --no-delta and with --delta: what an incr costs besides copying, and what
   * checksumming every file would add (--delta makes a backup compare checksums instead
   * of sizes and timestamps).
   */
  incrIdle: BackupResult;
  incrIdleNoDelta: BackupResult;
  incrIdleDelta: BackupResult;
  updatedRows: number;
  incrUpdated: BackupResult;
  /** In-place PITR with --delta after 1 % appended since the updated incr. */
  pitrDelta: RestoreResult & { walBytes: number; changedRows: number };
}

/** The operations the scaling suite times, in the order of the report's plot and table. */
export const SCALING_SERIES = [
  { key: "full", title: "full backup" },
  { key: "incrAppended", title: "incr after 1 % appended" },
  { key: "incrUpdated", title: "incr after 1 % updated" },
  { key: "pitrDelta", title: "in-place PITR --delta" },
  { key: "validation", title: "restore validation" },
] as const;
export type ScalingSeries = (typeof SCALING_SERIES)[number]["key"];

/** The seconds one operation took at one size (restores until the server accepts writes). */
export function scalingSeconds(point: ScalingPoint, series: ScalingSeries): number {
  switch (series) {
    case "full":
    case "incrAppended":
    case "incrUpdated":
      return point[series].seconds;
    case "pitrDelta":
    case "validation":
      return point[series].totalSeconds;
  }
}

async function measure(lab: Lab, sizeGb: number): Promise<ScalingPoint> {
  const db = await generate(lab, sizeGb);
  // As loaded: the appends below add rows.
  const rows = db.rows;
  try {
    const { host } = db;
    const at = `${sizeGb} GiB`;
    const full = await lab.step(`${at}: full backup, product settings`, () =>
      backup(lab, host, "full"),
    );
    const { checks: _checks, ...validation } = await validate(lab, db, full.label);
    const appendedRows = await lab.step(`${at}: append 1 % of rows`, () => appendRows(db));
    const incrAppended = await lab.step(`${at}: incr after 1 % appended`, () =>
      backup(lab, host, "incr"),
    );
    const incrIdle = await lab.step(`${at}: incr with nothing changed`, () =>
      backup(lab, host, "incr"),
    );
    const incrIdleNoDelta = await lab.step(`${at}: incr with nothing changed, --no-delta`, () =>
      backup(lab, host, "incr", { extra: ["--no-delta"] }),
    );
    const incrIdleDelta = await lab.step(`${at}: incr with nothing changed, --delta`, () =>
      backup(lab, host, "incr", { extra: ["--delta"] }),
    );
    const updatedRows = await lab.step(`${at}: update 1 % of rows, uniformly`, () =>
      updateUniformly(db),
    );
    const incrUpdated = await lab.step(`${at}: incr after 1 % updated uniformly`, () =>
      backup(lab, host, "incr"),
    );
    const drift = await driftToTarget(lab, db, "appended");
    const pitr = await pitrInPlace(lab, host, drift.target, `${at}, 1 % appended`);
    return {
      sizeGb,
      rows,
      databaseBytes: db.databaseBytes,
      pgdataBytes: db.pgdataBytes,
      loadSeconds: db.loadSeconds,
      full,
      validation,
      appendedRows,
      incrAppended,
      incrIdle,
      incrIdleNoDelta,
      incrIdleDelta,
      updatedRows,
      incrUpdated,
      pitrDelta: { ...pitr, walBytes: drift.walBytes, changedRows: drift.changedRows },
    };
  } finally {
    await lab.drop(db.host);
  }
}

export async function scaling(lab: Lab): Promise<ScalingPoint[]> {
  const points: ScalingPoint[] = [];
  for (const sizeGb of lab.sizesGb) points.push(await measure(lab, sizeGb));
  return points;
}
