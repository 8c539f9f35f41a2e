// validate: the weekly restore-validation CronJob's Job, now. Its JSON report (the end of
// its log) is the result, passed or failed: a failed validation is a verdict, returned,
// though the face shows its step as failed. A Job that leaves no report throws a
// JobFailedError with its diagnosis.
import type { Cluster } from "../cluster.ts";
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
}

/** Thrown inside the step so that it shows as failed; caught to return the verdict. */
class FailedVerdict extends Error {
  readonly result: ValidationResult;
  constructor(result: ValidationResult) {
    super(`validation ${result.report.status}: ${result.report.reason}`);
    this.result = result;
  }
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
  const what = "the restore validation";
  const validate = async (): Promise<ValidationResult> => {
    let logs: string;
    try {
      logs = (await runJobToCompletion(cluster, job, request.timeoutMs, what)).logs;
    } catch (error) {
      // A validation that fails its checks fails its Job too, and still reports.
      if (!(error instanceof JobFailedError)) throw error;
      const log = await cluster.logs(namespace, `job/${request.jobName}`).catch(() => "");
      const report = reportFromLog(log);
      if (!report) throw error;
      throw new FailedVerdict({ job: request.jobName, report });
    }
    const report = reportFromLog(logs);
    if (!report) {
      const why = "it completed but left no report in its log";
      throw new JobFailedError(
        await diagnoseJob(cluster, namespace, what, request.jobName, why, logs),
      );
    }
    const result = { job: request.jobName, report };
    if (report.status !== "passed") throw new FailedVerdict(result);
    return result;
  };
  try {
    return await progress(`restore validation (Job ${request.jobName})`, validate);
  } catch (error) {
    if (error instanceof FailedVerdict) return error.result;
    throw error;
  }
}
