// validate: the weekly restore-validation CronJob's Job, now. Its JSON report (the end of
// its log) is the result, passed or failed: a failed validation is a verdict, returned,
// and the face shows it as its outcome. A Job that leaves no report throws a
// JobFailedError with its diagnosis.
import type { Cluster, KubeObject } from "../cluster.ts";
import { diagnoseJob, JobFailedError, jobFromCronJob, runJobToCompletion } from "../jobs.ts";
import { requireUnlocked } from "../lock.ts";
import type { Progress } from "../progress.ts";
import { VALIDATION_CRONJOB } from "../schedules.ts";
import type { Settings } from "../settings.ts";
import { UserError } from "../user-error.ts";
import { reportFromLog, type ValidationReport } from "../validation-report.ts";

export interface ValidateRequest {
  jobName: string;
  annotations: Record<string, string>;
  timeoutMs: number;
}

export interface ValidationResult {
  job: string;
  report: ValidationReport;
  /** The verdict: every check passed. A failed validation is a result, not an error. */
  passed: boolean;
}

export async function runValidation(
  cluster: Cluster,
  settings: Settings,
  request: ValidateRequest,
  progress: Progress,
): Promise<ValidationResult> {
  await requireUnlocked(cluster, settings, "Validate when it has finished.");
  const { namespace } = settings;
  const cronJob = await cluster.get("CronJob", namespace, VALIDATION_CRONJOB);
  if (!cronJob)
    throw new UserError(
      `CronJob ${VALIDATION_CRONJOB} not found in ${namespace}; deploy the manifests first`,
    );
  const job = jobFromCronJob(cronJob, request.jobName, request.annotations);
  const report = await progress(`restore validation (Job ${request.jobName})`, () =>
    reportOf(cluster, namespace, job, request.timeoutMs),
  );
  return { job: request.jobName, report, passed: report.status === "passed" };
}

/** The report the Job leaves at the end of its log, whether its checks passed or not. */
async function reportOf(
  cluster: Cluster,
  namespace: string,
  job: KubeObject,
  timeoutMs: number,
): Promise<ValidationReport> {
  const what = "the restore validation";
  const name = job.metadata.name;
  let logs: string;
  try {
    logs = (await runJobToCompletion(cluster, job, timeoutMs, what)).logs;
  } catch (error) {
    // A validation that fails its checks fails its Job too, and still reports.
    if (!(error instanceof JobFailedError)) throw error;
    const log = await cluster.logs(namespace, `job/${name}`).catch(() => "");
    const report = reportFromLog(log);
    if (!report) throw error;
    return report;
  }
  const report = reportFromLog(logs);
  if (report) return report;
  const why = "it completed but left no report in its log";
  throw new JobFailedError(await diagnoseJob(cluster, namespace, what, name, why, logs));
}
