// Backup Jobs as `kubectl create job --from=cronjob` makes them from the seed's CronJobs;
// an incremental one from the differential CronJob with the type changed (the seed has
// no incr CronJob).
import type { Cluster, KubeObject } from "./cluster.ts";
import { jobFromCronJob } from "./jobs.ts";
import { podSpecOf } from "./manifests/pod.ts";
import type { BackupType } from "./names/kinds.ts";

export function backupCronJobName(type: BackupType): string {
  return `pgbackrest-${type === "incr" ? "diff" : type}-backup`;
}

/** The Job for one backup of the type, from its CronJob as the cluster holds it. */
export async function backupJob(
  cluster: Cluster,
  namespace: string,
  type: BackupType,
  name: string,
  annotations: Record<string, string> = {},
): Promise<KubeObject> {
  const cronJobName = backupCronJobName(type);
  const cronJob = await cluster.get("CronJob", namespace, cronJobName);
  if (!cronJob)
    throw new Error(`CronJob ${cronJobName} not found in ${namespace}; deploy the manifests first`);
  return backupJobFrom(cronJob, type, name, annotations);
}

/**
 * The Job for one backup of the type from its CronJob (backupCronJobName): the CronJob's
 * command, of type incr for an incremental one.
 */
export function backupJobFrom(
  cronJob: KubeObject,
  type: BackupType,
  name: string,
  annotations: Record<string, string> = {},
): KubeObject {
  const job = jobFromCronJob(cronJob, name, annotations);
  if (type === "incr") {
    for (const c of podSpecOf(job)?.containers ?? [])
      c.command = c.command?.map((arg) => (arg === "--type=diff" ? "--type=incr" : arg));
  }
  return job;
}

/** The repository a backup Job writes: its `--repo=N` or `--repo N`, repository 1 without. */
export function backupRepo(job: KubeObject): number {
  const args = (podSpecOf(job)?.containers ?? []).flatMap((c) => [
    ...(c.command ?? []),
    ...(c.args ?? []),
  ]);
  const at = args.findIndex((a) => a === "--repo" || a.startsWith("--repo="));
  const value = at < 0 ? "1" : args[at]?.startsWith("--repo=") ? args[at]?.slice(7) : args[at + 1];
  return Number(value) || 1;
}
