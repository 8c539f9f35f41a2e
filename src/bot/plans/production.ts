// How the bot shows a restore of production (/restore pitr and /restore latest): the plan
// waiting for its confirmation, the result, and, when a stage failed, what state production
// is in and how to go on by hand.
import { JobFailedError, type JobFailure } from "../../core/jobs.ts";
import { type Workload, workloadText } from "../../core/names/kinds.ts";
import { LOCK_NAME, POSTGRES, POSTGRES_WORKLOAD } from "../../core/names/objects.ts";
import { type RestoreResult, RestoreStoppedError } from "../../core/operations/restore.ts";
import type { PlanRecord } from "../../core/plans/record.ts";
import { UserError } from "../../core/user-error.ts";
import { code, text } from "../status-comment.ts";
import { confirmLine, type PlanView } from "./view.ts";

/** Where a plan restores to, as its comment says it. */
function planTarget(record: PlanRecord): string {
  const { restore } = record;
  const utc = restore.target.replace(/\+00$/, " UTC");
  if (restore.latest) return `the newest state: every archived WAL (up to ${utc} when planned)`;
  return restore.mark ? `mark ${restore.mark}, made ${utc}` : utc;
}

function planText(record: PlanRecord, secondApprover: boolean): string {
  const { restore: plan } = record;
  const workloads = record.workloads.map((w: Workload) => code(workloadText(w)));
  const postgres = code(workloadText(POSTGRES_WORKLOAD));
  return [
    `**Plan — nothing has changed yet.** Restore production to **${planTarget(record)}**:`,
    `- backup set ${code(plan.backupLabel)} from repo${plan.backupRepo}, then WAL up to the ${plan.latest ? "end of the archive" : plan.mark ? "mark itself" : "target"}; the server is promoted onto a new timeline`,
    ...(plan.timeline !== plan.currentTimeline
      ? [
          `- the target is on timeline ${plan.timeline}, which an earlier restore left (production is on timeline ${plan.currentTimeline}): recovery follows timeline ${plan.timeline}`,
        ]
      : []),
    `- recovery window checked: ${plan.window.start} → ${plan.window.end}`,
    "- first a safety backup (incr), so that this restore can itself be undone",
    workloads.length > 0
      ? `- stops ${workloads.join(", ")} and then ${postgres} for the restore, and starts them again afterwards`
      : `- stops ${postgres} for the restore and starts it again afterwards`,
    `- estimated duration: about ${Math.ceil(plan.estimateSeconds / 60)} min (safety backup, restore, start and checks)`,
    plan.latest
      ? "- what was written after the last archived WAL segment is not in the restored database"
      : "- what was written after the target is not in the restored database (it stays in the repository, on the old timeline)",
    "",
    confirmLine(record, secondApprover),
  ].join("\n");
}

function resultText(record: PlanRecord, result: RestoreResult): string {
  const { restore: plan } = record;
  const target = plan.latest
    ? "the newest state"
    : `${plan.mark ? `mark ${plan.mark}, ` : ""}${plan.target.replace(/\+00$/, " UTC")}`;
  return `✅ Restored to **${target}** from backup set ${code(plan.backupLabel)} (repo${plan.backupRepo}). PostgreSQL is writable on timeline ${result.timelineAfter} (was ${result.timelineBefore}); ${result.replayed ? `the last transaction it replayed committed at ${result.replayed} UTC` : "no transaction was replayed after the backup"}. The state before the restore is in safety backup ${code(result.safetyBackup ?? "?")} and the WAL of timeline ${result.timelineBefore}. Next: \`/backup full\`, so that the new timeline has a full backup of its own (docs/restore.md, step 7).`;
}

/** Where a stopped restore left production and how to go on by hand, for the status comment. */
function stoppedText(
  record: PlanRecord,
  namespace: string,
  error: RestoreStoppedError,
  attach: (failure: JobFailure) => string,
): string {
  const kubectl = (args: string) => `\`kubectl -n ${namespace} ${args}\``;
  const cause = error.cause as Error;
  const why = cause instanceof JobFailedError ? attach(cause.failure) : text(cause.message);
  const appsBack = Object.entries(error.replicas)
    .map(([w, n]) => kubectl(`scale ${w} --replicas=${n}`))
    .join(", ");
  const startPostgres = kubectl(`scale ${workloadText(POSTGRES_WORKLOAD)} --replicas=1`);
  const resume = error.paused
    .map((name) => kubectl(`patch cronjob ${name} -p '{"spec":{"suspend":false}}'`))
    .join(", ");
  const schedules = resume ? ` Then resume the scheduled backups and validation: ${resume}.` : "";
  const down = (state: string, next: string) =>
    `Stopped at: ${error.stage} (${why}). ${state} ${next} Afterwards start the applications: ${appsBack || "none were stopped"}.${schedules} The bot's lock stays until then: ${kubectl(`delete lease ${LOCK_NAME}`)}.`;
  const stoppedBoth = "**PostgreSQL is stopped** and the applications too.";
  switch (error.stage) {
    case "pausing the schedules":
      return `Stopped before changing anything: the scheduled backups could not be paused (${why}). PostgreSQL and the applications still run, and so do the schedules.`;
    case "safety backup":
    case "reading PostgreSQL's timeline":
      return `Stopped before changing anything: ${error.stage === "safety backup" ? "the safety backup failed" : "PostgreSQL's timeline could not be read"} (${why}). PostgreSQL and the applications still run. Read the Job's log below, fix the cause, and plan the restore again.`;
    case "stopping the applications":
      return `Stopped while stopping the applications (${why}). PostgreSQL was not touched. Start what was stopped again: ${appsBack || "nothing was stopped"}.`;
    case "stopping PostgreSQL":
      return down(stoppedBoth, `Start it again: ${startPostgres}.`);
    case "the restore Job":
      return down(
        stoppedBoth,
        `Its data directory may be half restored: do not start it as it is. Read the Job's log below, fix the cause, then run the restore again as docs/restore.md shows (RESTORE_TARGET=${code(record.restore.target)}) and ${startPostgres}.`,
      );
    case "starting and checking PostgreSQL":
      return down(
        "**PostgreSQL may be running but did not pass the checks**; the applications are stopped.",
        `The restore Job completed. Read ${kubectl(`logs ${POSTGRES.pod} -c ${POSTGRES.container}`)}; when PostgreSQL is fine, go on.`,
      );
    case "starting the applications":
      return `The database is restored, but starting the applications failed (${why}). Start them: ${appsBack}.${schedules}`;
    case "resuming the schedules":
      return `The database is restored and the applications run, but resuming the scheduled backups failed (${why}).${schedules}`;
  }
}

export const productionRestoreView: PlanView<RestoreResult> = {
  planText,
  resultText,
  explain: (record, error, namespace, attach) =>
    error instanceof RestoreStoppedError
      ? new UserError(stoppedText(record, namespace, error, attach))
      : undefined,
};
