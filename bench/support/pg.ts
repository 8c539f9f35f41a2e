// pgBackRest and PostgreSQL operations the suites time, on hosts of this machine: backups
// with the manifests' own command lines, restores, and starting a restored copy until it
// accepts writes.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { backupCronJobName, backupJobFrom } from "../../src/core/backup-job.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { podSpecOf, programArgv } from "../../src/core/manifests/pod.ts";
import { SQL_TARGET_US } from "../../src/core/names/formats.ts";
import type { BackupType } from "../../src/core/names/kinds.ts";
import { type BackupInfo, findStanza, parseInfo } from "../../src/core/pgbackrest/info.ts";
import { commandOf } from "../../src/local/lab/first-run.ts";
import type { PgHost } from "../../src/local/lab/pg-host.ts";
import type { Lab } from "./lab.ts";
import { round, timed } from "./stats.ts";

export const DATABASE = "bench";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** pgBackRest settings as PGBACKREST_* variables, which win over the manifests' file. */
export type Settings = Record<string, string>;

export interface BackupResult {
  label: string;
  type: BackupType;
  seconds: number;
  /** The database as the backup saw it. */
  databaseBytes: number;
  /** What the backup added to the repository (for a full, the whole set). */
  repoBytes: number;
}

/** The stanza the host's pgBackRest uses: the manifests' (pgbackrest-config's `stanza`). */
export function stanzaOf(host: PgHost): string {
  const stanza = host.env.PGBACKREST_STANZA;
  if (!stanza) throw new Error("the host has no PGBACKREST_STANZA; make it with PgHost.create");
  return stanza;
}

/** The product's backup command of `type`: the one its backup Job runs (core/backup-job.ts). */
export function backupCommand(lab: Lab, type: BackupType): string[] {
  const file = join(lab.manifestsDir, "schedules", `${backupCronJobName(type)}-cronjob.yaml`);
  const cronJob = loadManifestFile(file)[0]?.object as KubeObject | undefined;
  if (!cronJob) throw new Error(`${file}: no object`);
  return commandOf(backupJobFrom(cronJob, type, `bench-${type}`));
}

export async function newestBackup(host: PgHost, env: Settings = {}): Promise<BackupInfo> {
  const stanza = stanzaOf(host);
  const { stdout } = await host.run(["pgbackrest", `--stanza=${stanza}`, "info", "--output=json"], {
    env,
  });
  const newest = findStanza(parseInfo(stdout), stanza).backup.at(-1);
  if (!newest) throw new Error("pgbackrest info lists no backup");
  return newest;
}

/**
 * A backup from a cold cache with the product's command line; `env` changes settings (and
 * the repository), `extra` adds options before the command.
 */
export async function backup(
  lab: Lab,
  host: PgHost,
  type: BackupResult["type"],
  options: { env?: Settings; extra?: string[] } = {},
): Promise<BackupResult> {
  const command = backupCommand(lab, type);
  const argv = [...command.slice(0, -1), ...(options.extra ?? []), ...command.slice(-1)];
  lab.dropCaches();
  const { seconds } = await timed(() => host.run(argv, { env: options.env ?? {} }));
  const newest = await newestBackup(host, options.env);
  return {
    label: newest.label,
    type: newest.type,
    seconds,
    databaseBytes: newest.info.size,
    repoBytes: newest.info.repository.delta,
  };
}

/** Switches to a new WAL segment and waits until the archiver has pushed it. */
export async function archiveNow(host: PgHost, timeoutMs = 300_000): Promise<void> {
  const segment = await host.sql("select pg_walfile_name(pg_switch_wal())");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await host.sql("select coalesce(last_archived_wal, '') from pg_stat_archiver");
    // Segment names of one timeline sort in WAL order; a newer timeline sorts after.
    if (last >= segment) return;
    if (Date.now() > deadline) throw new Error(`WAL segment ${segment} not archived in time`);
    await sleep(100);
  }
}

/** The current time in pgBackRest's --target form, then a commit after it, archived. */
export async function markTarget(host: PgHost): Promise<string> {
  const target = await host.sql(
    `select to_char(clock_timestamp() at time zone 'UTC', '${SQL_TARGET_US}') || '+00'`,
  );
  // Recovery to a time stops at the first commit after it; without one it fails.
  await host.sql(
    "create table if not exists bench_marker (at timestamptz); insert into bench_marker values (clock_timestamp())",
    DATABASE,
  );
  await archiveNow(host);
  return target;
}

export interface StartTimes {
  /** pg_ctl start until the server accepts connections (consistent). */
  consistentSeconds: number;
  /** pg_ctl start until recovery has ended and the server accepts writes. */
  promotedSeconds: number;
}

/** Starts a restored copy (archiving off unless `settings` say otherwise) and times recovery. */
export async function startAndPromote(
  host: PgHost,
  settings: Record<string, string> = { archive_mode: "off" },
  timeoutMs = 3_600_000,
): Promise<StartTimes> {
  const started = performance.now();
  await host.start(settings);
  const consistent = performance.now();
  const deadline = Date.now() + timeoutMs;
  while ((await host.sql("select pg_is_in_recovery()")) !== "f") {
    if (Date.now() > deadline) throw new Error(`recovery of ${host.pgdata} did not finish in time`);
    await sleep(50);
  }
  const promoted = performance.now();
  return {
    consistentSeconds: round((consistent - started) / 1000),
    promotedSeconds: round((promoted - started) / 1000),
  };
}

export interface RestoreResult extends StartTimes {
  /** The restore itself (pgbackrest restore, or extracting an archive). */
  restoreSeconds: number;
  /** Restore plus recovery until the server accepts writes. */
  totalSeconds: number;
}

/** Runs `restore` from a cold cache, then starts the copy and waits until it accepts writes. */
export async function timedRestore(
  lab: Lab,
  host: PgHost,
  restore: () => Promise<unknown>,
  settings?: Record<string, string>,
): Promise<RestoreResult> {
  lab.dropCaches();
  const { seconds } = await timed(restore);
  const start = await startAndPromote(host, settings);
  return {
    restoreSeconds: seconds,
    ...start,
    totalSeconds: round(seconds + start.promotedSeconds),
  };
}

/** `pgbackrest restore` of a copy that must never push WAL into the repository. */
export function restoreCopy(host: PgHost, args: string[], env: Settings = {}) {
  return host.run(
    ["pgbackrest", `--stanza=${stanzaOf(host)}`, "--archive-mode=off", ...args, "restore"],
    { env },
  );
}

/** The point-in-time restore Job's pgBackRest arguments (its template in manifests/restore/), for `target`. */
export function pitrJobArgs(lab: Lab, target: string): string[] {
  const file = join(lab.manifestsDir, "restore", "pgbackrest-restore-pitr-cronjob.yaml");
  const job = loadManifestFile(file)[0]?.object as KubeObject | undefined;
  const container = job && podSpecOf(job)?.containers[0];
  if (!container?.args) throw new Error(`${file}: no container arguments`);
  // The fence around it (restore-fence.sh) marks the pod's volume; a host has none.
  return programArgv(container).map((a) => a.replace("$(RESTORE_TARGET)", target));
}

/** The PITR Job's restore options alone (no command, stanza or archive mode), for a copy. */
export function pitrOptions(lab: Lab, target: string): string[] {
  return pitrJobArgs(lab, target).filter(
    (a) => a.startsWith("--") && !a.startsWith("--stanza=") && !a.startsWith("--archive-mode="),
  );
}

/** Bytes of the files under `path` (du's apparent size). */
export function dirBytes(path: string): number {
  return Number(execFileSync("du", ["-sb", path], { encoding: "utf8" }).split("\t")[0]);
}
