// The product's in-place point-in-time restore (the PITR Job: pgbackrest restore --delta
// into the stopped database's own data directory, then PostgreSQL replays WAL to the
// target and promotes) after 1 % of the data drifted from the backup, against a full
// restore to the same target into an empty directory. Twice: rows appended, rows updated
// uniformly.

import type { PgHost } from "../../src/local/lab/pg-host.ts";
import { appendRows, type Source, source, updateUniformly } from "../support/dataset.ts";
import type { Lab } from "../support/lab.ts";
import {
  backup,
  markTarget,
  pitrJobArgs,
  pitrOptions,
  type RestoreResult,
  restoreCopy,
  timedRestore,
} from "../support/pg.ts";

export interface PitrCase {
  drift: "appended" | "updated";
  changedRows: number;
  /** pg_wal_lsn_diff from the backup's end to the target. */
  walBytes: number;
  delta: RestoreResult;
  full: RestoreResult;
}

export interface Drift {
  changedRows: number;
  /** pg_wal_lsn_diff from before the drift to the target. */
  walBytes: number;
  /** The target time, after the drift, with a commit after it archived. */
  target: string;
}

/** 1 % of the rows appended or updated, then a target time after them. */
export async function driftToTarget(
  lab: Lab,
  db: Source,
  drift: PitrCase["drift"],
): Promise<Drift> {
  const { host } = db;
  const startLsn = await host.sql("select pg_current_wal_lsn()");
  const changedRows = await lab.step(`drift: 1 % of rows ${drift}`, () =>
    drift === "appended" ? appendRows(db) : updateUniformly(db),
  );
  const walBytes = Number(
    await host.sql(`select pg_wal_lsn_diff(pg_current_wal_lsn(), '${startLsn}')`),
  );
  return { changedRows, walBytes, target: await markTarget(host) };
}

/**
 * In place, as the PITR Job does it: the database stopped, its own directory, the Job's
 * own arguments (--delta); then PostgreSQL starts with the manifests' settings (archiving
 * on) and is timed until it accepts writes.
 */
export async function pitrInPlace(
  lab: Lab,
  host: PgHost,
  target: string,
  what: string,
): Promise<RestoreResult> {
  await host.stop();
  return lab.step(`in-place PITR with --delta (${what})`, () =>
    timedRestore(lab, host, () => host.run(pitrJobArgs(lab, target)), {}),
  );
}

async function pitrCase(lab: Lab, db: Source, drift: PitrCase["drift"]): Promise<PitrCase> {
  const { host } = db;
  // A fresh full backup, so the drift is exactly this case's 1 %.
  await lab.step("full backup before the drift", () => backup(lab, host, "full"));
  const { changedRows, walBytes, target } = await driftToTarget(lab, db, drift);

  const copy = await lab.host({ repoPath: host.repoPath });
  let full: RestoreResult;
  try {
    full = await lab.step(`full restore to the target into an empty directory (${drift})`, () =>
      timedRestore(lab, copy, () => restoreCopy(copy, pitrOptions(lab, target))),
    );
  } finally {
    await lab.drop(copy);
  }
  const delta = await pitrInPlace(lab, host, target, drift);
  return { drift, changedRows, walBytes, delta, full };
}

export async function pitr(lab: Lab): Promise<PitrCase[]> {
  const db = await source(lab);
  const cases: PitrCase[] = [];
  for (const drift of ["appended", "updated"] as const) cases.push(await pitrCase(lab, db, drift));
  return cases;
}
