// Talking to the production PostgreSQL through the cluster (kubectl exec into its pod):
// SQL, waiting until recovery has finished, and forcing WAL into the archive.
// Every query names its target: the core never picks a database for its caller.
import type { Cluster, ExecTarget } from "./cluster.ts";
import { CURRENT_TIMELINE_SQL, SQL_ISO_UTC_MS, sqlUtc } from "./names/formats.ts";
import { POSTGRES } from "./names/objects.ts";
import { DEFAULT_SETTINGS, type Settings } from "./settings.ts";

/** Where PostgreSQL runs: the seed's namespace and the reference StatefulSet's pod. */
export interface DatabaseTarget extends ExecTarget {
  database: string;
}

/** Where operations run SQL: the reference StatefulSet's pod, in the always-present database. */
export function productionDatabase(settings: Settings): DatabaseTarget {
  return {
    namespace: settings.namespace,
    pod: POSTGRES.pod,
    container: POSTGRES.container,
    database: POSTGRES.database,
  };
}

/** The application's database in the seed's namespace: where the demo and the tests keep their data. */
export const MCPGOV_DATABASE: DatabaseTarget = {
  ...productionDatabase(DEFAULT_SETTINGS),
  database: "mcpgov",
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs SQL as the postgres superuser over the pod's Unix socket; returns unaligned rows. */
export async function psql(
  cluster: Cluster,
  query: string,
  target: DatabaseTarget,
): Promise<string> {
  const argv = [
    "psql",
    "-U",
    POSTGRES.user,
    "-d",
    target.database,
    "-v",
    "ON_ERROR_STOP=1",
    "-Atqc",
    query,
  ];
  const result = await cluster.exec(target, argv);
  if (result.code !== 0) throw new Error(`psql in ${target.pod}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** Waits until PostgreSQL accepts connections and has left recovery (it accepts writes). */
export async function waitWritable(
  cluster: Cluster,
  timeoutMs: number,
  target: DatabaseTarget,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await psql(cluster, "select pg_is_in_recovery()", target).catch(() => "")) !== "f") {
    if (Date.now() > deadline) {
      throw new Error(
        `PostgreSQL in ${target.pod} did not finish recovery within ${timeoutMs / 1000}s; read its log`,
      );
    }
    await sleep(500);
  }
}

/** Closes the current WAL segment and waits until archive_command has pushed it to the repository. */
export async function archiveNow(
  cluster: Cluster,
  timeoutMs: number,
  target: DatabaseTarget,
): Promise<string> {
  const segment = await psql(cluster, "select pg_walfile_name(pg_switch_wal())", target);
  const deadline = Date.now() + timeoutMs;
  while (
    (await psql(cluster, "select coalesce(last_archived_wal, '') from pg_stat_archiver", target)) <
    segment
  ) {
    if (Date.now() > deadline) {
      throw new Error(
        `WAL segment ${segment} was not archived within ${timeoutMs / 1000}s; read the postgres container's log`,
      );
    }
    await sleep(200);
  }
  return segment;
}

export interface ArchiverStatus {
  archivedCount: number;
  lastArchivedWal: string;
  /** ISO-8601 UTC with milliseconds, or "" when nothing was archived yet. */
  lastArchivedTime: string;
  failedCount: number;
  lastFailedWal: string;
  lastFailedTime: string;
}

/** pg_stat_archiver: whether archive_command keeps up, and when it last failed. */
export async function archiverStatus(
  cluster: Cluster,
  target: DatabaseTarget,
): Promise<ArchiverStatus> {
  const row = await psql(
    cluster,
    `select archived_count, coalesce(last_archived_wal, ''), ${sqlUtc("last_archived_time")}, failed_count, coalesce(last_failed_wal, ''), ${sqlUtc("last_failed_time")} from pg_stat_archiver`,
    target,
  );
  const [archived, lastWal, lastTime, failed, failedWal, failedTime] = row.split("|");
  return {
    archivedCount: Number(archived),
    lastArchivedWal: lastWal ?? "",
    lastArchivedTime: lastTime ?? "",
    failedCount: Number(failed),
    lastFailedWal: failedWal ?? "",
    lastFailedTime: failedTime ?? "",
  };
}

/** Whether archive_command is failing now: its last failure is newer than its last success. */
export function archivingFailing(archiver: ArchiverStatus): boolean {
  return archiver.failedCount > 0 && archiver.lastFailedTime > archiver.lastArchivedTime;
}

/**
 * Makes every moment up to now reachable by a point-in-time restore, and returns now (UTC,
 * ISO-8601 with milliseconds). Recovery to a time stops at the first commit after it, so a
 * commit is written after now (an empty transaction that takes an xid), and the segment that
 * holds it is closed and archived.
 */
export async function sealWal(
  cluster: Cluster,
  timeoutMs: number,
  target: DatabaseTarget,
): Promise<string> {
  const now = await psql(
    cluster,
    `select to_char(clock_timestamp() at time zone 'UTC', '${SQL_ISO_UTC_MS}')`,
    target,
  );
  await new Promise((resolve) => setTimeout(resolve, 10));
  await psql(cluster, "select txid_current()", target);
  await archiveNow(cluster, timeoutMs, target);
  return now;
}

/** The timeline PostgreSQL is on (a point-in-time restore that promotes starts a new one). */
export async function timeline(cluster: Cluster, target: DatabaseTarget): Promise<number> {
  return Number(await psql(cluster, CURRENT_TIMELINE_SQL, target));
}
