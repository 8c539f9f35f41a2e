// backup: a Job from the backup CronJob (what `kubectl create job --from=cronjob` does; an
// incremental one from the differential CronJob with the type changed), annotated with
// who ran it and from where, run to its end; reports the backup pgBackRest recorded.
import { backupJob } from "../../core/backup.ts";
import { type JobRun, runJob } from "../../core/jobs.ts";
import { repoOf, validBackups } from "../../core/pgbackrest/info.ts";
import { stanzaInfo } from "../../core/repository.ts";
import { jobFailure } from "./failure.ts";
import type { Step, StepOutcome } from "./step.ts";

export function backupJobName(type: string, now = new Date()): string {
  return `pgbackrest-action-${type}-${now.toISOString().replace(/[-:T]/g, "").slice(0, 14)}`;
}

export const backupStep: Step = async (context): Promise<StepOutcome> => {
  const { cluster, inputs, annotations, log } = context;
  const ns = inputs.namespace;
  const type = inputs.backupType;
  const job = await backupJob(cluster, ns, type, backupJobName(type), annotations);
  log(`running Job ${job.metadata.name}`);
  const run: JobRun = await runJob(cluster, job, inputs.timeoutMs);
  if (run.result.outcome !== "Complete") return jobFailure(context, `the ${type} backup`, run);
  const newest = validBackups(await stanzaInfo(cluster, ns, inputs.stanza)).at(-1);
  if (!newest) throw new Error("the backup Job completed but pgbackrest info lists no backup");
  const seconds = newest.timestamp.stop - newest.timestamp.start;
  const mib = (newest.info.repository.delta / 1048576).toFixed(1);
  return {
    ok: true,
    detail: `${newest.type} backup ${newest.label}: ${seconds}s, ${mib} MiB stored in repo${repoOf(newest)}`,
    outputs: { "backup-label": newest.label, "backup-duration-seconds": String(seconds) },
  };
};
