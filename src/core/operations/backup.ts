// backup: one Job from the backup CronJob of the type (an incremental one from the
// differential CronJob, the type changed), run to its end; the result is the backup
// pgBackRest recorded. A Job that fails throws a JobFailedError with its diagnosis.
// A full backup that would expire a backup of the guaranteed window (under an overlay's
// count retention) is refused before its Job: a writer may not shrink the window.
import { backupJob, backupRepo } from "../backup-job.ts";
import type { Cluster } from "../cluster.ts";
import { logTail, runJobToCompletion } from "../jobs.ts";
import { requireUnlocked } from "../lock.ts";
import type { BackupType } from "../names/kinds.ts";
import { repoOf, validBackups } from "../pgbackrest/info.ts";
import type { Progress } from "../progress.ts";
import { readRepository, stanzaInfo } from "../repository.ts";
import { fullWouldShrinkWindow, NO_RETENTION_PRINTED } from "../retention.ts";
import type { Settings } from "../settings.ts";
import { UserError } from "../user-error.ts";

export interface BackupRequest {
  type: BackupType;
  /** A name that is the same when the same request is seen again: that Job is then awaited. */
  jobName: string;
  /** Who asked and from where, on the Job. */
  annotations: Record<string, string>;
  timeoutMs: number;
  /** What the step and any failure call it: "full backup" unless given ("incr safety backup"). */
  title?: string;
}

export interface BackupResult {
  job: string;
  label: string;
  type: string;
  repo: number;
  seconds: number;
  databaseBytes: number;
  /** What it added to the repository: compressed, and only what changed. */
  storedBytes: number;
  logTail: string;
}

export async function runBackup(
  cluster: Cluster,
  settings: Settings,
  request: BackupRequest,
  progress: Progress,
): Promise<BackupResult> {
  const { namespace } = settings;
  await requireUnlocked(cluster, settings, "Back up when it has finished.");
  const job = await backupJob(
    cluster,
    namespace,
    request.type,
    request.jobName,
    request.annotations,
  );
  if (request.type === "full") {
    const repo = backupRepo(job);
    await progress("check that a full keeps the guaranteed recovery window", async () => {
      const look = await readRepository(cluster, namespace, settings.stanza);
      const [retention] = look.retention([repo]) ?? [];
      if (!retention) throw new Error(NO_RETENTION_PRINTED);
      // Time retention keeps the window by itself.
      if (retention.type !== "count") return;
      const why = fullWouldShrinkWindow(look.stanza, retention, Date.now());
      if (why) throw new UserError(why);
    });
  }
  const title = request.title ?? `${request.type} backup`;
  const run = await progress(`${title} (Job ${request.jobName})`, () =>
    runJobToCompletion(cluster, job, request.timeoutMs, `the ${title}`),
  );
  const stanza = await progress("read the backup pgBackRest recorded", () =>
    stanzaInfo(cluster, namespace, settings.stanza),
  );
  const newest = validBackups(stanza).at(-1);
  if (!newest) throw new Error("the backup Job completed but pgbackrest info lists no backup");
  return {
    job: request.jobName,
    label: newest.label,
    type: newest.type,
    repo: repoOf(newest),
    seconds: newest.timestamp.stop - newest.timestamp.start,
    databaseBytes: newest.info.size,
    storedBytes: newest.info.repository.delta,
    logTail: logTail(run.logs, 20),
  };
}
