// validate: the restore-validation Job from its CronJob (core/operations/validate.ts); its
// JSON report becomes the step's result and a file for later steps.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runValidation } from "../../core/operations/validate.ts";
import { actionJobName, logProgress, type Step, stepSettings } from "./step.ts";

export const validateStep: Step<"validate"> = async (context) => {
  const { cluster, inputs, annotations } = context;
  const { report, passed } = await runValidation(
    cluster,
    stepSettings(context),
    { jobName: actionJobName("validation"), annotations, timeoutMs: inputs.timeoutMs },
    logProgress(context),
  );
  const path = join(process.env.RUNNER_TEMP ?? process.cwd(), "mcpgov-backup-validation.json");
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  const failed = report.checks.filter((c) => c.result === "fail").map((c) => c.name);
  return {
    ok: passed,
    detail: passed
      ? `passed: ${report.checks.length} checks on ${report.backup?.label}, RTO ${report.rtoSeconds?.toFixed(1)}s`
      : `${report.status}: ${report.reason ?? failed.join(", ")}`,
    outputs: {
      "validation-status": report.status,
      "report-path": path,
      "rto-seconds": String(report.rtoSeconds ?? ""),
    },
    data: {
      status: report.status,
      reason: report.reason,
      rtoSeconds: report.rtoSeconds,
      backup: report.backup?.label ?? null,
      checks: report.checks.length,
      reportPath: path,
    },
  };
};
