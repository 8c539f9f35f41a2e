// Carrying out a confirmed point-in-time restore (core/operations/restore.ts): a safety
// backup, the applications and PostgreSQL stopped, the restore Job, PostgreSQL started and
// checked, the applications started. When a stage fails the result says what state
// production is in and how to go on by hand.
import { JobFailedError } from "../../core/jobs.ts";
import {
  type RestoreResult,
  RestoreStoppedError,
  restoreProduction,
} from "../../core/operations/restore.ts";
import type { Operation, RestorePlanRecord } from "../operations.ts";
import { code } from "../status-comment.ts";
import { type CommandContext, jobName, StoppedError, settingsOf, timeoutMs } from "./context.ts";
import { attachJobFailure } from "./job.ts";

/** A failure after PostgreSQL was stopped keeps the lock: nothing else should start on it. */
export class ProductionDownError extends StoppedError {}

function kubectl(context: CommandContext, args: string): string {
  return `\`kubectl -n ${context.namespace} ${args}\``;
}

/** The comment's result for a restore stopped at a stage: where production is, what to do. */
function stopped(context: CommandContext, plan: RestorePlanRecord, error: RestoreStoppedError) {
  const cause = error.cause as Error;
  const why =
    cause instanceof JobFailedError ? attachJobFailure(context, cause.failure) : cause.message;
  const appsBack =
    Object.entries(error.replicas)
      .map(([w, n]) => kubectl(context, `scale ${w} --replicas=${n}`))
      .join(", ") || "";
  const startPostgres = kubectl(context, "scale statefulset/postgres --replicas=1");
  const resume = error.paused
    .map((name) => kubectl(context, `patch cronjob ${name} -p '{"spec":{"suspend":false}}'`))
    .join(", ");
  const schedules = resume ? ` Then resume the scheduled backups and validation: ${resume}.` : "";
  const down = (state: string, next: string) =>
    new ProductionDownError(
      `❌ Stopped at: ${error.stage} (${why}). ${state} ${next} Afterwards start the applications: ${appsBack || "none were stopped"}.${schedules} The bot's lock stays until then: ${kubectl(context, "delete lease mcpgov-backup-lock")}.`,
    );
  const stoppedBoth = "**PostgreSQL is stopped** and the applications too.";
  switch (error.stage) {
    case "pausing the schedules":
      return new StoppedError(
        `❌ Stopped before changing anything: the scheduled backups could not be paused (${why}). PostgreSQL and the applications still run, and so do the schedules.`,
      );
    case "safety backup":
    case "reading PostgreSQL's timeline":
      return new StoppedError(
        `❌ Stopped before changing anything: ${error.stage === "safety backup" ? "the safety backup failed" : "PostgreSQL's timeline could not be read"} (${why}). PostgreSQL and the applications still run. Read the Job's log below, fix the cause, and plan the restore again.`,
      );
    case "stopping the applications":
      return new StoppedError(
        `❌ Stopped while stopping the applications (${why}). PostgreSQL was not touched. Start what was stopped again: ${appsBack || "nothing was stopped"}.`,
      );
    case "stopping PostgreSQL":
      return down(stoppedBoth, `Start it again: ${startPostgres}.`);
    case "the restore Job":
      return down(
        stoppedBoth,
        `Its data directory may be half restored: do not start it as it is. Read the Job's log below, fix the cause, then run the restore again as docs/restore.md shows (RESTORE_TARGET=${code(plan.target)}) and ${startPostgres}.`,
      );
    case "starting and checking PostgreSQL":
      return down(
        "**PostgreSQL may be running but did not pass the checks**; the applications are stopped.",
        `The restore Job completed. Read ${kubectl(context, "logs postgres-0 -c postgres")}; when PostgreSQL is fine, go on.`,
      );
    case "starting the applications":
      return new StoppedError(
        `❌ The database is restored, but starting the applications failed (${why}). Start them: ${appsBack}.${schedules}`,
      );
    case "resuming the schedules":
      return new StoppedError(
        `❌ The database is restored and the applications run, but resuming the scheduled backups failed (${why}).${schedules}`,
      );
  }
}

export async function restoreCommand(context: CommandContext, planned: Operation): Promise<string> {
  const { cluster, comment, store } = context;
  const plan = planned.plan;
  if (!plan) throw new Error(`operation ${planned.id} has no plan`);
  const job = structuredClone(plan.latest ? context.latestRestoreJob : context.restoreJob);
  job.metadata.name = jobName(context, "restore");
  let result: RestoreResult;
  try {
    result = await restoreProduction(
      cluster,
      settingsOf(context),
      {
        job,
        // The newest state has no target: recovery replays every archived WAL.
        ...(plan.latest ? {} : { target: plan.target }),
        ...(plan.mark ? { mark: plan.mark } : {}),
        pins:
          plan.backupRepo !== undefined && plan.timeline !== undefined
            ? {
                stanza: context.stanza,
                set: plan.backupLabel,
                repo: plan.backupRepo,
                ...(plan.latest ? {} : { timeline: plan.timeline }),
              }
            : undefined,
        workloads: plan.workloads,
        safetyJobName: jobName(context, "safety"),
        annotations: context.annotations,
        timeoutMs: timeoutMs(context),
        // Kept in the record: if the bot dies half way, a person can still start them.
        onStopping: async (replicas) => {
          planned.stoppedReplicas = replicas;
          await store.save(planned);
        },
      },
      comment.step.bind(comment),
    );
  } catch (error) {
    throw error instanceof RestoreStoppedError ? stopped(context, plan, error) : error;
  }
  const target = plan.latest
    ? "the newest state"
    : `${plan.mark ? `mark ${plan.mark}, ` : ""}${plan.target.replace(/\+00$/, " UTC")}`;
  return `✅ Restored to **${target}** from backup set ${code(plan.backupLabel)}${plan.backupRepo ? ` (repo${plan.backupRepo})` : ""}. PostgreSQL is writable on timeline ${result.timelineAfter} (was ${result.timelineBefore}); ${result.replayed ? `the last transaction it replayed committed at ${result.replayed} UTC` : "no transaction was replayed after the backup"}. The state before the restore is in safety backup ${code(result.safetyBackup ?? "?")} and the WAL of timeline ${result.timelineBefore}. Next: \`/backup full\`, so that the new timeline has a full backup of its own (docs/restore.md, step 7).`;
}
