// /restore validate: the weekly validation CronJob's Job, now; its JSON report becomes the
// result (the checks, the backup it restored, the measured RTO).
import { jobFromCronJob } from "../../core/jobs.ts";
import { reportFromLog } from "../../core/validation-report.ts";
import { code } from "../status-comment.ts";
import { type CommandContext, jobName, StoppedError } from "./context.ts";
import { jobStep } from "./job.ts";

export async function validateCommand(context: CommandContext): Promise<string> {
  const { cluster, namespace } = context;
  const cronJob = await cluster.get("CronJob", namespace, "pgbackrest-restore-validation");
  if (!cronJob)
    throw new StoppedError(
      `CronJob pgbackrest-restore-validation not found in ${namespace}; deploy the manifests first`,
    );
  const job = jobFromCronJob(cronJob, jobName(context, "validate"), context.annotations);
  let logs: string;
  try {
    logs = (await jobStep(context, "restore validation", job)).logs;
  } catch (error) {
    const report = reportFromLog(
      await cluster.logs(namespace, `job/${job.metadata.name}`).catch(() => ""),
    );
    if (report) context.comment.attach("Validation report (JSON)", JSON.stringify(report, null, 2));
    throw new StoppedError(
      report ? `❌ Validation ${report.status}: ${report.reason}` : (error as Error).message,
    );
  }
  const report = reportFromLog(logs);
  if (!report) throw new StoppedError("the validation Job completed but left no report in its log");
  context.comment.attach("Validation report (JSON)", JSON.stringify(report, null, 2));
  const rows = report.checks.map(
    (c) =>
      `| ${c.result === "pass" ? "✅" : c.result === "fail" ? "❌" : "➖"} | ${c.name} | ${c.detail.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`,
  );
  return [
    `✅ Validation passed: backup ${code(report.backup?.label ?? "?")} restored and checked, RTO ${report.rtoSeconds?.toFixed(1)} s`,
    "",
    "| | Check | Detail |",
    "|---|---|---|",
    ...rows,
  ].join("\n");
}
