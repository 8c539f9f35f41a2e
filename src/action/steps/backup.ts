// backup: one backup Job from its CronJob, annotated with who ran it and from where, run
// to its end; reports the backup pgBackRest recorded (core/operations/backup.ts).
import { mib } from "../../core/names/formats.ts";
import { runBackup } from "../../core/operations/backup.ts";
import { actionJobName, logProgress, type Step, stepSettings } from "./step.ts";

export const backupStep: Step<"backup"> = async (context) => {
  const { cluster, inputs, annotations } = context;
  const type = inputs.backupType;
  const backup = await runBackup(
    cluster,
    stepSettings(context),
    { type, jobName: actionJobName(type), annotations, timeoutMs: inputs.timeoutMs },
    logProgress(context),
  );
  const { logTail: _, ...data } = backup;
  return {
    ok: true,
    detail: `${backup.type} backup ${backup.label}: ${backup.seconds}s, ${mib(backup.storedBytes)} stored in repo${backup.repo}`,
    outputs: { "backup-label": backup.label, "backup-duration-seconds": String(backup.seconds) },
    data,
  };
};
