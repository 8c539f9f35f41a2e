// Backup Jobs as `kubectl create job --from=cronjob` makes them from the seed's CronJobs;
// an incremental one from the differential CronJob with the type changed (the seed has
// no incr CronJob).
import type { Cluster, KubeObject } from "./cluster.ts";
import { jobFromCronJob } from "./jobs.ts";

export type BackupType = "full" | "diff" | "incr";

export const BACKUP_TYPES: readonly BackupType[] = ["full", "diff", "incr"];

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
  const job = jobFromCronJob(cronJob, name, annotations);
  if (type === "incr") {
    const containers = (
      job.spec as { template: { spec: { containers: { command?: string[] }[] } } }
    ).template.spec.containers;
    for (const c of containers)
      c.command = c.command?.map((arg) => (arg === "--type=diff" ? "--type=incr" : arg));
  }
  return job;
}
