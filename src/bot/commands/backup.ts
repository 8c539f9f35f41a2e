// /backup full|diff|incr: one Job from the matching CronJob, under the lock
// (core/operations/backup.ts); the result is the backup pgBackRest recorded.
import { mib } from "../../core/names/formats.ts";
import type { BackupType } from "../../core/names/kinds.ts";
import { runBackup } from "../../core/operations/backup.ts";
import { code } from "../status-comment.ts";
import { type CommandContext, jobName, timeoutMs } from "./context.ts";
import { operate } from "./job.ts";

export async function backupCommand(context: CommandContext, type: BackupType): Promise<string> {
  const request = {
    type,
    jobName: jobName(context, type),
    annotations: context.annotations,
    timeoutMs: timeoutMs(context),
  };
  const backup = await operate(context, (cluster, settings, progress) =>
    runBackup(cluster, settings, request, progress),
  );
  context.comment.attach(`Job ${backup.job}: last lines of its log`, backup.logTail);
  return `✅ ${backup.type} backup ${code(backup.label)}: ${backup.seconds} s, database ${mib(backup.databaseBytes)}, ${mib(backup.storedBytes)} stored in repo${backup.repo}`;
}
