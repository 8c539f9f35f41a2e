// Running Jobs to their end in the end-to-end tests, as `kubectl create job` (and
// `--from=cronjob`) would, with their outcome and log.
import type { Cluster, KubeObject } from "../../src/core/cluster.ts";
import { type JobRun, jobFromCronJob } from "../../src/core/jobs.ts";

/** Creates the Job, waits for it to complete or fail, and returns its outcome and log. */
export async function runJob(
  cluster: Cluster,
  job: KubeObject,
  timeoutMs: number,
): Promise<JobRun> {
  const namespace = job.metadata.namespace ?? "default";
  await cluster.create(job);
  const result = await cluster.waitForJob(namespace, job.metadata.name, timeoutMs);
  return { result, logs: await cluster.logs(namespace, `job/${job.metadata.name}`) };
}

/** kubectl create job --from=cronjob/CRONJOB NAME, then its outcome and log. */
export async function runCronJob(
  cluster: Cluster,
  namespace: string,
  cronJob: string,
  name: string,
  timeoutMs: number,
): Promise<JobRun> {
  const cron = await cluster.get("CronJob", namespace, cronJob);
  if (!cron) throw new Error(`CronJob ${cronJob} not found in namespace ${namespace}`);
  return runJob(cluster, jobFromCronJob(cron, name), timeoutMs);
}

/** Throws, with the reason and the end of the log, unless the Job completed. */
export function requireComplete(what: string, run: JobRun): void {
  if (run.result.outcome === "Complete") return;
  const tail = run.logs.trimEnd().split("\n").slice(-15).join("\n");
  throw new Error(
    `${what} failed (${run.result.reason ?? "no reason given"}); its log ends:\n${tail}`,
  );
}
