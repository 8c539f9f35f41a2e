// /restore validate: the weekly validation CronJob's Job, now (core/operations/validate.ts);
// its JSON report becomes the result (the checks, the backup it restored, the measured RTO).
import { runValidation } from "../../core/operations/validate.ts";
import { UserError } from "../../core/user-error.ts";
import { code, text } from "../status-comment.ts";
import { type CommandContext, jobName, timeoutMs } from "./context.ts";
import { operate } from "./job.ts";

export async function validateCommand(context: CommandContext): Promise<string> {
  const request = {
    jobName: jobName(context, "validate"),
    annotations: context.annotations,
    timeoutMs: timeoutMs(context),
  };
  const { report, passed } = await operate(context, (cluster, settings, progress) =>
    runValidation(cluster, settings, request, progress),
  );
  context.comment.attach("Validation report (JSON)", JSON.stringify(report, null, 2));
  if (!passed)
    throw new UserError(
      `Validation ${text(report.status)}: ${text(report.reason ?? "no reason given")}`,
    );
  const rows = report.checks.map(
    (c) =>
      `| ${c.result === "pass" ? "✅" : c.result === "fail" ? "❌" : "➖"} | ${text(c.name)} | ${text(c.detail)} |`,
  );
  return [
    `✅ Validation passed: backup ${code(report.backup?.label ?? "?")} restored and checked, RTO ${report.rtoSeconds?.toFixed(1)} s`,
    "",
    "| | Check | Detail |",
    "|---|---|---|",
    ...rows,
  ].join("\n");
}
