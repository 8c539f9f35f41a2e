// Point-in-time restore time as a function of the WAL to replay: one full backup, then
// uniform updates (every partition, full-page images after each checkpoint, as an OLTP
// load writes) until given amounts of WAL, each ending in a target time; each target is
// restored into an empty directory and started until it accepts writes. The largest also
// with asynchronous archive-get, which fetches segments ahead of recovery.
import { source } from "../support/dataset.ts";
import type { Lab } from "../support/lab.ts";
import {
  backup,
  DATABASE,
  markTarget,
  pitrOptions,
  type RestoreResult,
  restoreCopy,
  timedRestore,
} from "../support/pg.ts";
import { round } from "../support/stats.ts";

export interface ReplayPoint extends RestoreResult {
  walBytes: number;
  /** WAL replayed per second of recovery (start to promoted). */
  replayMBps: number;
  archiveAsync: boolean;
}

export async function replay(lab: Lab): Promise<ReplayPoint[]> {
  const db = await source(lab);
  const { host } = db;
  const full = await lab.step("full backup before the WAL", () => backup(lab, host, "full"));
  const startLsn = await host.sql("select pg_current_wal_lsn()");
  // WAL amounts as fractions of the database: a quiet hour to a busy day.
  const goals = [0.05, 0.25, 1].map((f) => Math.round(f * db.databaseBytes));
  const targets: { walBytes: number; target: string }[] = [];
  // Every stride-th row, spread over the whole table and found through the index: small
  // steps at first, so each amount is reached closely, and more rows a step while a step
  // writes little (after a checkpoint's full-page images the same rows cost less WAL).
  let stride = 5000;
  let pick = 0;
  for (const goal of goals) {
    const walBytes = await lab.step(`write ${(goal / 1e6).toFixed(0)} MB of WAL`, async () => {
      const written = async () =>
        Number(await host.sql(`select pg_wal_lsn_diff(pg_current_wal_lsn(), '${startLsn}')`));
      for (let before = await written(); before < goal; ) {
        await host.sql(
          `update bench_events set note = note
             where id = any(array(select generate_series(${1 + (pick++ % stride)}, ${db.nextId}, ${stride})))`,
          DATABASE,
        );
        const after = await written();
        if (after - before < (goal - after) / 20) stride = Math.max(20, Math.floor(stride / 2));
        before = after;
      }
      return written();
    });
    targets.push({ walBytes, target: await markTarget(host) });
  }
  const points: ReplayPoint[] = [];
  const runs = [
    ...targets.map((t) => ({ ...t, archiveAsync: false })),
    { ...(targets.at(-1) as (typeof targets)[number]), archiveAsync: true },
  ];
  for (const { walBytes, target, archiveAsync } of runs) {
    const env: Record<string, string> = {};
    if (archiveAsync) {
      env.PGBACKREST_ARCHIVE_ASYNC = "y";
      env.PGBACKREST_SPOOL_PATH = lab.dir("spool");
    }
    const copy = await lab.host({ repoPath: host.repoPath, env });
    try {
      const result = await lab.step(
        `PITR over ${(walBytes / 1e6).toFixed(0)} MB of WAL${archiveAsync ? ", archive-async" : ""}`,
        () =>
          timedRestore(lab, copy, () =>
            restoreCopy(copy, [`--set=${full.label}`, ...pitrOptions(lab, target)]),
          ),
      );
      points.push({
        ...result,
        walBytes,
        archiveAsync,
        replayMBps: round(walBytes / 1e6 / result.promotedSeconds, 1),
      });
    } finally {
      await lab.drop(copy);
    }
  }
  return points;
}
