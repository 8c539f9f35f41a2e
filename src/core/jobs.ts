// Jobs: made from a CronJob's template, run to their end, and what they said.
import {
  type Cluster,
  createIfAbsent,
  describedText,
  type JobOutcome,
  type JobResult,
  type KubeObject,
} from "./cluster.ts";
import { jobTemplateOf } from "./manifests/pod.ts";
import { type JobCondition, terminalCondition } from "./names/kinds.ts";
import { COMPONENT, COMPONENT_LABEL, PGBACKREST_LABELS } from "./names/labels.ts";
import { explainPgbackrest } from "./pgbackrest/errors.ts";
import { UserError } from "./user-error.ts";

/**
 * The Job `kubectl create job --from=cronjob/NAME JOB` makes: the CronJob's job template,
 * marked as started by hand, owned by the CronJob, with the caller's annotations.
 */
export function jobFromCronJob(
  cronJob: KubeObject,
  name: string,
  annotations: Record<string, string> = {},
): KubeObject {
  const template = jobTemplateOf(cronJob);
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

/**
 * A template CronJob as the cluster holds it (the overlay's, rewritten by kustomize), or an
 * error saying to deploy the overlay: read before anything is touched.
 */
export async function templateCronJob(
  cluster: Cluster,
  namespace: string,
  name: string,
  makes: string,
): Promise<KubeObject> {
  const template = await cluster.get("CronJob", namespace, name);
  if (!template)
    throw new UserError(
      `CronJob ${name} not found in ${namespace}: ${makes} is made from it; deploy the overlay (kubectl apply -k) first`,
    );
  return template;
}

/**
 * A Job made from a CronJob's template but owned by none: a restore or a clone must outlive
 * its template being deleted and made again, and is not one of the CronJob's runs.
 */
export function jobFromTemplate(
  template: KubeObject,
  name: string,
  annotations: Record<string, string> = {},
): KubeObject {
  const job = jobFromCronJob(template, name, annotations);
  delete job.metadata.ownerReferences;
  return job;
}

export interface JobRun {
  result: JobResult;
  logs: string;
}

/** Creates the Job; true when one of that name was there already (the work was asked for before). */
async function createOnce(cluster: Cluster, job: KubeObject): Promise<boolean> {
  return !(await createIfAbsent(cluster, job));
}

/** What a person needs to act on a Job that did not complete. */
export interface JobFailure {
  /** What the Job was for: "the full backup". */
  what: string;
  job: string;
  /** Kubernetes' reason (BackoffLimitExceeded, DeadlineExceeded) or why waiting stopped. */
  reason: string;
  /** What pgBackRest's error in the log means, when it is one it knows. */
  meaning: string | undefined;
  /** The Job's pods with their states, and its events. */
  description: string;
  logTail: string;
}

/** A Job did not complete; `failure` holds its diagnosis. */
export class JobFailedError extends Error {
  readonly failure: JobFailure;
  constructor(failure: JobFailure) {
    super(
      `${failure.what} failed (${failure.reason}): job/${failure.job}${failure.meaning ? `; ${failure.meaning}` : ""}`,
    );
    this.name = "JobFailedError";
    this.failure = failure;
  }
}

/** The last lines of a log. */
export function logTail(logs: string, lines = 30): string {
  return logs.trimEnd().split("\n").slice(-lines).join("\n");
}

/** A JobFailure for the Job: its log (read unless given), pods and events. */
export async function diagnoseJob(
  cluster: Cluster,
  namespace: string,
  what: string,
  job: string,
  reason: string,
  logs?: string,
): Promise<JobFailure> {
  const log =
    logs ??
    (await cluster
      .logs(namespace, `job/${job}`)
      .catch((error: Error) => `could not read the log of job/${job}: ${error.message}`));
  const description = await cluster
    .describeJob(namespace, job)
    .then((described) => describedText(job, described))
    .catch((error: Error) => `could not describe job/${job}: ${error.message}`);
  return { what, job, reason, meaning: explainPgbackrest(log), description, logTail: logTail(log) };
}

/**
 * runJobOnce, for work that must complete: unless the Job completes (it fails, or the wait
 * ends first), throws a JobFailedError with its diagnosis.
 */
export async function runJobToCompletion(
  cluster: Cluster,
  job: KubeObject,
  timeoutMs: number,
  what: string,
): Promise<JobRun & { attached: boolean }> {
  const namespace = job.metadata.namespace ?? "default";
  const name = job.metadata.name;
  const attached = await createOnce(cluster, job);
  let result: JobResult;
  try {
    result = await cluster.waitForJob(namespace, name, timeoutMs);
  } catch (error) {
    const why = (error as Error).message;
    throw new JobFailedError(await diagnoseJob(cluster, namespace, what, name, why));
  }
  const logs = await cluster.logs(namespace, `job/${name}`);
  if (result.outcome === "Complete") return { result, logs, attached };
  const reason = result.reason ?? "no reason given";
  throw new JobFailedError(await diagnoseJob(cluster, namespace, what, name, reason, logs));
}

/** How a Job ended, read from its conditions; undefined while it runs. */
export function jobEnding(job: KubeObject): JobOutcome | undefined {
  const status = job.status as { conditions?: JobCondition[] } | undefined;
  return terminalCondition(status?.conditions)?.type;
}

/**
 * The product's Jobs (backups, validations, restores: label app=pgbackrest) still running.
 * A Job reading pgbackrest info is not one: it writes nothing and lasts seconds.
 */
export async function runningJobs(cluster: Cluster, namespace: string): Promise<string[]> {
  const jobs = await cluster.list("Job", namespace, PGBACKREST_LABELS);
  return jobs
    .filter((job) => !jobEnding(job) && job.metadata.labels?.[COMPONENT_LABEL] !== COMPONENT.info)
    .map((job) => job.metadata.name);
}
