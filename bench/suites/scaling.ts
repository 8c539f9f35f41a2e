// What each operation costs as the database grows: for each size (--sizes), a database of
// its own is generated and, with the product's settings (manifests/), backed up in full;
// validated as the weekly CronJob does; backed up incrementally after 1 % of rows appended
// (then twice with nothing changed, with and without --delta) and again after 1 % of rows
// updated uniformly; then, after another 1 % appended, restored
// in place to a point in time with the PITR Job's --delta. The database and its repository
// are removed before the next size, so the disk holds one size at a time.
// For the capacity model (docs/capacity.md) each size also measures a full with one
// process, bare restores with one and two, and a day of skewed change (a hot set plus
// appends) backed up by the product and, like with like, by file-level and block
// incremental candidates in repositories of their own. The size given as beyond memory
// runs in a memory cgroup smaller than the database (support/cgroup.ts).
import { join } from "node:path";
import { MemoryCage, serverProcesses } from "../support/cgroup.ts";
import {
  appendRows,
  generate,
  type Source,
  updateSkewed,
  updateUniformly,
} from "../support/dataset.ts";
import type { Lab } from "../support/lab.ts";
import {
  archiveNow,
  type BackupResult,
  backup,
  dirBytes,
  newestBackup,
  type RestoreResult,
  restoreCopy,
  type Settings,
  stanzaOf,
  timedRestore,
} from "../support/pg.ts";
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
  /** A full with the product's settings but process-max 1. */
  fullOneProcess?: BackupResult;
  /** Bare restores of the full until promoted, by process-max. */
  restores?: { processes: number; restore: RestoreResult }[];
  /** Bytes the restored copy takes: the scratch volume a validation needs. */
  scratchBytes?: number;
  skewed?: SkewedDay;
  /** The memory cgroup's limit when this size ran in one (smaller than the database). */
  memoryLimitBytes?: number;
  /** The most memory the cgroup's processes held (page cache included). */
  memoryPeakBytes?: number;
}

/** A day of skewed change (dataset.ts updateSkewed) and what each way of backing it up cost. */
export interface SkewedDay {
  updatedRows: number;
  appendedRows: number;
  /** WAL the change added to the product's archive, compressed as archived. */
  walArchivedBytes: number;
  /** The product's incr of it, as the CronJob runs it (with the archive check). */
  incr: BackupResult;
  /**
   * Like with like, repositories of their own, both without the archive check: the product's
   * layout (file-level incremental) and block incremental with pgBackRest's block sizes.
   */
  fileLevel: { full: BackupResult; incr: BackupResult };
  block: { full: BackupResult; incr: BackupResult };
  /**
   * The validation with --delta: its first run (restoring everything into the kept scratch
   * volume) before the change, and the run after it, over that copy.
   */
  validationDeltaFirst?: Omit<ValidationRun, "checks">;
  validationDelta?: Omit<ValidationRun, "checks">;
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

/** File-level (the manifests' layout) and block incremental, each in a repository of its own. */
const INCREMENTAL_KINDS = {
  fileLevel: {},
  block: { PGBACKREST_REPO1_BUNDLE: "y", PGBACKREST_REPO1_BLOCK: "y" },
} as const;

async function kindRepo(lab: Lab, db: Source, kind: keyof typeof INCREMENTAL_KINDS) {
  const env: Settings = {
    ...INCREMENTAL_KINDS[kind],
    PGBACKREST_REPO1_PATH: lab.dir(`repo-scaling-${kind}`),
  };
  await db.host.run(["pgbackrest", `--stanza=${stanzaOf(db.host)}`, "stanza-create"], { env });
  return env;
}

/** Bare restores of `label` into a fresh directory until promoted, with one and two processes. */
async function restores(lab: Lab, db: Source, label: string, at: string) {
  const out: { processes: number; restore: RestoreResult }[] = [];
  let scratchBytes = 0;
  for (const processes of [2, 1]) {
    const copy = await lab.host({ repoPath: db.host.repoPath });
    try {
      const restore = await lab.step(`${at}: bare restore, process-max ${processes}`, () =>
        timedRestore(lab, copy, () =>
          restoreCopy(copy, [`--set=${label}`, "--type=immediate", "--target-action=promote"], {
            PGBACKREST_PROCESS_MAX: String(processes),
          }),
        ),
      );
      out.push({ processes, restore });
      scratchBytes = Math.max(scratchBytes, dirBytes(copy.pgdata));
    } finally {
      await lab.drop(copy);
    }
  }
  return { restores: out, scratchBytes };
}

async function skewedDay(lab: Lab, db: Source, at: string): Promise<SkewedDay> {
  const { host } = db;
  const envs = {
    fileLevel: await kindRepo(lab, db, "fileLevel"),
    block: await kindRepo(lab, db, "block"),
  };
  const fulls = {
    fileLevel: await lab.step(`${at}: full, file-level candidate`, () =>
      backup(lab, host, "full", { env: envs.fileLevel, extra: ["--no-archive-check"] }),
    ),
    block: await lab.step(`${at}: full, block incremental candidate`, () =>
      backup(lab, host, "full", { env: envs.block, extra: ["--no-archive-check"] }),
    ),
  };
  // The first --delta validation fills the scratch volume it keeps (the newest backup: the
  // updated incr), the second restores over it after the day's change.
  const kept = { scratch: lab.dir("validation-delta") };
  const { checks: _c1, ...validationDeltaFirst } = await validate(
    lab,
    db,
    (await newestBackup(host)).label,
    kept,
  );
  await archiveNow(host);
  const archive = join(host.repoPath, "archive");
  const archivedBefore = dirBytes(archive);
  const change = await lab.step(`${at}: a day of skewed change (hot 5 %, appends)`, () =>
    updateSkewed(db),
  );
  await archiveNow(host);
  const walArchivedBytes = dirBytes(archive) - archivedBefore;
  const incr = await lab.step(`${at}: incr after the skewed change`, () =>
    backup(lab, host, "incr"),
  );
  const { checks: _c2, ...validationDelta } = await validate(lab, db, incr.label, kept);
  lab.removeDir(kept.scratch);
  const candidateIncr = (kind: keyof typeof envs) =>
    lab.step(`${at}: incr after the skewed change, ${kind} candidate`, () =>
      backup(lab, host, "incr", { env: envs[kind], extra: ["--no-archive-check"] }),
    );
  return {
    updatedRows: change.updated,
    appendedRows: change.appended,
    walArchivedBytes,
    incr,
    fileLevel: { full: fulls.fileLevel, incr: await candidateIncr("fileLevel") },
    block: { full: fulls.block, incr: await candidateIncr("block") },
    validationDeltaFirst,
    validationDelta,
  };
}

async function measure(lab: Lab, sizeGb: number): Promise<ScalingPoint> {
  const db = await generate(lab, sizeGb);
  // As loaded: the appends below add rows.
  const rows = db.rows;
  // Beyond memory: the cage's limit is what lab.memoryLimitBytes(sizeGb) says.
  const limit = lab.memoryLimitBytes(sizeGb);
  let cage: MemoryCage | undefined;
  try {
    if (limit !== undefined) {
      cage = MemoryCage.create(limit);
      cage.enter([process.pid, ...serverProcesses(db.host.pgdata)]);
      lab.log(`  ${sizeGb} GiB runs in a memory cgroup of ${(limit / 2 ** 20).toFixed(0)} MiB`);
    }
    const { host } = db;
    const at = `${sizeGb} GiB`;
    const full = await lab.step(`${at}: full backup, product settings`, () =>
      backup(lab, host, "full"),
    );
    const { checks: _checks, ...validation } = await validate(lab, db, full.label);
    const measured = await restores(lab, db, full.label, at);
    const fullOneProcess = await lab.step(`${at}: full backup, process-max 1`, () =>
      backup(lab, host, "full", { env: { PGBACKREST_PROCESS_MAX: "1" } }),
    );
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
    const skewed = await skewedDay(lab, db, at);
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
      fullOneProcess,
      restores: measured.restores,
      scratchBytes: measured.scratchBytes,
      skewed,
      ...(cage ? { memoryLimitBytes: cage.limitBytes, memoryPeakBytes: cage.peakBytes() } : {}),
    };
  } finally {
    await lab.drop(db.host);
    cage?.dispose();
  }
}

export async function scaling(lab: Lab): Promise<ScalingPoint[]> {
  const points: ScalingPoint[] = [];
  for (const sizeGb of lab.sizesGb) points.push(await measure(lab, sizeGb));
  return points;
}
