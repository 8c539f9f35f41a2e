// Jobs: made from a CronJob's template, run to their end, and what they said.
import { AlreadyExistsError, type Cluster, type JobResult, type KubeObject } from "./cluster.ts";

interface CronJobTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: object;
}

/**
 * The Job `kubectl create job --from=cronjob/NAME JOB` makes: the CronJob's job template,
 * marked as started by hand, owned by the CronJob, with the caller's annotations.
 */
export function jobFromCronJob(
  cronJob: KubeObject,
  name: string,
  annotations: Record<string, string> = {},
): KubeObject {
  const template = (cronJob.spec as { jobTemplate?: CronJobTemplate } | undefined)?.jobTemplate;
  if (!template?.spec)
    throw new Error(
      `create job from cronjob/${cronJob.metadata.name}: the CronJob has no job template`,
    );
  const uid = (cronJob.metadata as { uid?: string }).uid;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: cronJob.metadata.namespace,
      labels: template.metadata?.labels ?? {},
      annotations: {
        ...template.metadata?.annotations,
        "cronjob.kubernetes.io/instantiate": "manual",
        ...annotations,
      },
      ...(uid
        ? {
            ownerReferences: [
              {
                apiVersion: "batch/v1",
                kind: "CronJob",
                name: cronJob.metadata.name,
                uid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: structuredClone(template.spec),
  };
}

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

/**
 * runJob for work that must happen once: when a Job of that name exists (the same request
 * seen again, or a restarted caller), waits for it instead of starting a second one.
 */
export async function runJobOnce(
  cluster: Cluster,
  job: KubeObject,
  timeoutMs: number,
): Promise<JobRun & { attached: boolean }> {
  const namespace = job.metadata.namespace ?? "default";
  let attached = false;
  try {
    await cluster.createJob(job);
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    attached = true;
  }
  const result = await cluster.waitForJob(namespace, job.metadata.name, timeoutMs);
  return { result, logs: await cluster.logs(namespace, `job/${job.metadata.name}`), attached };
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
