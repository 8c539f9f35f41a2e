// Carrying out a confirmed point-in-time restore: a safety backup, the applications and
// PostgreSQL stopped, the restore Job (delta restore to the target, promote), PostgreSQL
// started and checked, the applications started. When a step fails it stops there and
// says what state production is in and how to go on by hand.
import { waitForNoPods } from "../../core/cluster.ts";
import { psql, timeline, waitWritable } from "../../core/database.ts";
import { JobFailedError } from "../../core/jobs.ts";
import { runBackup } from "../../core/operations/backup.ts";
import { restoreJobFor } from "../../core/restore.ts";
import type { Operation } from "../operations.ts";
import { code } from "../status-comment.ts";
import { type CommandContext, databaseOf, jobName, StoppedError, timeoutMs } from "./context.ts";
import { attachJobFailure, jobStep } from "./job.ts";

/** A failure after PostgreSQL was stopped keeps the lock: nothing else should start on it. */
export class ProductionDownError extends StoppedError {}

function kubectl(context: CommandContext, args: string): string {
  return `\`kubectl -n ${context.namespace} ${args}\``;
}

export async function restoreCommand(context: CommandContext, planned: Operation): Promise<string> {
  const { cluster, namespace, comment, store } = context;
  const plan = planned.plan;
  if (!plan) throw new Error(`operation ${planned.id} has no plan`);
  const db = databaseOf(context);
  const wait = timeoutMs(context);
  const appsBack = () =>
    Object.entries(planned.stoppedReplicas ?? {})
      .map(([w, n]) => kubectl(context, `scale ${w} --replicas=${n}`))
      .join(", ");

  const safetyRequest = {
    type: "incr" as const,
    jobName: jobName(context, "safety"),
    annotations: context.annotations,
    timeoutMs: wait,
    title: "incr safety backup",
  };
  const safety = await runBackup(
    cluster,
    { namespace, stanza: context.stanza },
    safetyRequest,
    comment.step.bind(comment),
  ).then(
    (backup) => backup.label,
    (error: Error) => {
      const why =
        error instanceof JobFailedError ? attachJobFailure(context, error.failure) : error.message;
      throw new StoppedError(
        `❌ Stopped before changing anything: the safety backup failed (${why}). PostgreSQL and the applications still run. Read the Job's log below, fix the cause, and plan the restore again.`,
      );
    },
  );
  const before = await timeline(cluster, db);

  try {
    await comment.step(
      `stop applications: ${plan.workloads.map((w) => `${w.kind.toLowerCase()}/${w.name}`).join(", ") || "none listed"}`,
      async () => {
        planned.stoppedReplicas = {};
        for (const w of plan.workloads) {
          const object = await cluster.get(w.kind, namespace, w.name);
          if (!object) throw new Error(`${w.kind}/${w.name} not found in ${namespace}`);
          planned.stoppedReplicas[`${w.kind.toLowerCase()}/${w.name}`] =
            (object.spec as { replicas?: number }).replicas ?? 1;
          await store.save(planned);
          await cluster.scale(namespace, w.kind, w.name, 0);
          const selector = (object.spec as { selector?: { matchLabels?: Record<string, string> } })
            .selector?.matchLabels;
          if (selector) await waitForNoPods(cluster, namespace, selector, wait);
        }
      },
    );
  } catch (error) {
    throw new StoppedError(
      `❌ Stopped while stopping the applications (${(error as Error).message}). PostgreSQL was not touched. Start what was stopped again: ${appsBack() || "nothing was stopped"}.`,
    );
  }

  const down = (
    what: string,
    error: unknown,
    next: string,
    state = "**PostgreSQL is stopped** and the applications too.",
  ) =>
    new ProductionDownError(
      `❌ Stopped at: ${what} (${(error as Error).message}). ${state} ${next} Afterwards start the applications: ${appsBack() || "none were stopped"}. The bot's lock stays until then: ${kubectl(context, "delete configmap mcpgov-backup-lock")}.`,
    );
  try {
    await comment.step("stop PostgreSQL (statefulset/postgres to 0)", async () => {
      await cluster.scale(namespace, "StatefulSet", "postgres", 0);
      await waitForNoPods(cluster, namespace, { app: "postgres" }, wait);
    });
  } catch (error) {
    throw down(
      "stopping PostgreSQL",
      error,
      `Start it again: ${kubectl(context, "scale statefulset/postgres --replicas=1")}.`,
    );
  }

  const job = restoreJobFor(context.restoreJob, plan.target);
  job.metadata.name = jobName(context, "restore");
  job.metadata.annotations = { ...job.metadata.annotations, ...context.annotations };
  try {
    await jobStep(context, `restore to ${plan.target.replace(/\+00$/, " UTC")}`, job);
  } catch (error) {
    throw down(
      "the restore Job",
      error,
      `Its data directory may be half restored: do not start it as it is. Read the Job's log below, fix the cause, then run the restore again as docs/restore.md shows (RESTORE_TARGET=${code(plan.target)}) and ${kubectl(context, "scale statefulset/postgres --replicas=1")}.`,
    );
  }

  let after: { timeline: number; replayed: string };
  try {
    await comment.step(
      "start PostgreSQL; wait until recovery has ended and it accepts writes",
      async () => {
        await cluster.scale(namespace, "StatefulSet", "postgres", 1);
        await cluster.waitForPodsReady(namespace, { app: "postgres" }, wait);
        await waitWritable(cluster, wait, db);
      },
    );
    after = await comment.step(
      "check: out of recovery, on a new timeline, stopped before the target, a query works",
      async () => {
        const now = await timeline(cluster, db);
        if (now <= before) throw new Error(`still on timeline ${now}; the restore did not promote`);
        // Recovery stops before the first commit after the target: the last one replayed
        // must not be later than the target.
        const replayed = await psql(
          cluster,
          `select coalesce(to_char(pg_last_xact_replay_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), '')`,
          db,
        );
        if (replayed && `${replayed}+00` > plan.target)
          throw new Error(`recovery replayed a commit of ${replayed} UTC, after the target`);
        await psql(cluster, "select count(*) from pg_database", db);
        return { timeline: now, replayed };
      },
    );
  } catch (error) {
    throw down(
      "starting and checking PostgreSQL",
      error,
      `The restore Job completed. Read ${kubectl(context, "logs postgres-0 -c postgres")}; when PostgreSQL is fine, go on.`,
      "**PostgreSQL may be running but did not pass the checks**; the applications are stopped.",
    );
  }

  try {
    await comment.step("start applications", async () => {
      for (const [workload, replicas] of Object.entries(planned.stoppedReplicas ?? {})) {
        const [kind, name] = workload.split("/") as [string, string];
        await cluster.scale(
          namespace,
          kind === "deployment" ? "Deployment" : "StatefulSet",
          name,
          replicas,
        );
      }
    });
  } catch (error) {
    throw new StoppedError(
      `❌ The database is restored, but starting the applications failed (${(error as Error).message}). Start them: ${appsBack()}.`,
    );
  }
  return `✅ Restored to **${plan.target.replace(/\+00$/, " UTC")}** from backup set ${code(plan.backupLabel)}${plan.backupRepo ? ` (repo${plan.backupRepo})` : ""}. PostgreSQL is writable on timeline ${after.timeline} (was ${before}); ${after.replayed ? `the last transaction it replayed committed at ${after.replayed} UTC` : "no transaction was replayed after the backup"}. The state before the restore is in safety backup ${code(safety)} and the WAL of timeline ${before}. Next: \`/backup full\`, so that the new timeline has a full backup of its own (docs/restore.md, step 7).`;
}
