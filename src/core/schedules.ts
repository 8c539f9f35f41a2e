// The CronJobs that start pgBackRest on a schedule: the full and differential backups and
// the weekly restore validation, and their copies for repository 2 that the S3 component
// adds (-s3). A restore pauses every one deployed (spec.suspend), so that no scheduled
// backup starts against a PostgreSQL it has stopped or a validation against a repository
// it is reading, and resumes the ones it paused when it is done. The restore
// Jobs' templates (manifests/restore/) are CronJobs too, but not these: suspended always,
// they are never paused nor resumed.
import { backupCronJobName } from "./backup-job.ts";
import type { Cluster } from "./cluster.ts";

export const VALIDATION_CRONJOB = "pgbackrest-restore-validation";

const REPO1_SCHEDULES = [backupCronJobName("full"), backupCronJobName("diff"), VALIDATION_CRONJOB];

/** Repository 2's copy of a schedule: the S3 component's CronJob (manifests/s3/schedules). */
export const s3CronJobName = (name: string): string => `${name}-s3`;

/** Every scheduled CronJob of a stanza; the bot's Role may patch these, by name. */
export const SCHEDULED_CRONJOBS: readonly string[] = [
  ...REPO1_SCHEDULES,
  ...REPO1_SCHEDULES.map(s3CronJobName),
];

/** Suspends every scheduled CronJob not suspended already; returns the ones it suspended. */
export async function pauseSchedules(cluster: Cluster, namespace: string): Promise<string[]> {
  const paused: string[] = [];
  for (const name of SCHEDULED_CRONJOBS) {
    const cronJob = await cluster.get("CronJob", namespace, name);
    // One that is not deployed cannot fire; one suspended by someone else stays theirs.
    if (!cronJob || (cronJob.spec as { suspend?: boolean }).suspend === true) continue;
    await cluster.setSuspended(namespace, name, true);
    paused.push(name);
  }
  return paused;
}

/** Resumes the CronJobs pauseSchedules suspended. */
export async function resumeSchedules(
  cluster: Cluster,
  namespace: string,
  paused: string[],
): Promise<void> {
  for (const name of paused) await cluster.setSuspended(namespace, name, false);
}
