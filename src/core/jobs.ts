// Running a Job to its end and reading what it said.
import type { Cluster, JobResult, KubeObject } from "./cluster.ts";

export interface JobRun {
  result: JobResult;
  logs: string;
}

/** Creates the Job, waits for it to complete or fail, and returns its outcome and log. */
export async function runJob(
  cluster: Cluster,
  job: KubeObject,
  timeoutMs: number,
): Promise<JobRun> {
  const namespace = job.metadata.namespace ?? "default";
  await cluster.createJob(job);
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
  await cluster.createJobFromCronJob(namespace, cronJob, name);
  const result = await cluster.waitForJob(namespace, name, timeoutMs);
  return { result, logs: await cluster.logs(namespace, `job/${name}`) };
}

/** Throws, with the reason and the end of the log, unless the Job completed. */
export function requireComplete(what: string, run: JobRun): void {
  if (run.result.outcome === "Complete") return;
  const tail = run.logs.trimEnd().split("\n").slice(-15).join("\n");
  throw new Error(
    `${what} failed (${run.result.reason ?? "no reason given"}); its log ends:\n${tail}`,
  );
}
