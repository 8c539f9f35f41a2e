// validate: the restore-validation Job from its CronJob; its JSON report (the end of its
// log) becomes the step's result and a file for later steps.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { jobFromCronJob, runJob } from "../../core/jobs.ts";
import { reportFromLog } from "../../core/validation-report.ts";
import { backupJobName } from "./backup.ts";
import { jobFailure } from "./failure.ts";
import type { Step, StepOutcome } from "./step.ts";

export const validateStep: Step = async (context): Promise<StepOutcome> => {
  const { cluster, inputs, annotations, log } = context;
  const cronJob = await cluster.get("CronJob", inputs.namespace, "pgbackrest-restore-validation");
  if (!cronJob)
    throw new Error(
      `CronJob pgbackrest-restore-validation not found in ${inputs.namespace}; run deploy first`,
    );
  const job = jobFromCronJob(cronJob, backupJobName("validation"), annotations);
  log(`running Job ${job.metadata.name}`);
  const run = await runJob(cluster, job, inputs.timeoutMs);
  const report = reportFromLog(run.logs);
  if (!report) {
    const failure = await jobFailure(context, "the restore validation (no report in its log)", run);
    return { ...failure, outputs: { "validation-status": "error" } };
  }
  const path = join(process.env.RUNNER_TEMP ?? process.cwd(), "mcpgov-backup-validation.json");
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  const failed = report.checks.filter((c) => c.result === "fail").map((c) => c.name);
  return {
    ok: report.status === "passed",
    detail:
      report.status === "passed"
        ? `passed: ${report.checks.length} checks on ${report.backup?.label}, RTO ${report.rtoSeconds?.toFixed(1)}s`
        : `${report.status}: ${report.reason ?? failed.join(", ")}`,
    outputs: {
      "validation-status": report.status,
      "report-path": path,
      "rto-seconds": String(report.rtoSeconds ?? ""),
    },
  };
};
