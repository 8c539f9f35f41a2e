// restore: carrying out a restore of production, the seed's procedure made safe. The
// scheduled backups and validation paused; a safety backup (when asked), so that the
// restore can itself be undone; the applications stopped, then PostgreSQL; the restore Job (delta restore to the target, promote);
// PostgreSQL started and checked (out of recovery, on a new timeline, nothing replayed
// past the target); the applications started again, the schedules resumed. When a stage fails the operation
// stops there and says which stage, and whether production is down, so that a face can
// tell a person exactly where things are and how to go on.
import type { Cluster } from "../cluster.ts";
import { waitForNoPods } from "../cluster.ts";
import { productionDatabase, psql, timeline, waitWritable } from "../database.ts";
import { runJobToCompletion } from "../jobs.ts";
import { requireUnlocked } from "../lock.ts";
import { SQL_TARGET_US, sqlUtc } from "../names/formats.ts";
import { type Workload, workloadText } from "../names/kinds.ts";
import { POSTGRES, POSTGRES_WORKLOAD } from "../names/objects.ts";
import type { Progress } from "../progress.ts";
import { type RestorePins, restoreJobFromCluster } from "../restore-job.ts";
import { pauseSchedules, resumeSchedules } from "../schedules.ts";
import type { Settings } from "../settings.ts";
import { runBackup } from "./backup.ts";

export type { Workload };

export interface RestoreRequest {
  /** This restore's Job's name; the Job is made from its template in the cluster (restore-job.ts). */
  jobName: string;
  /** pgBackRest's --target (2026-11-24 20:15:33.250000+00); absent: the newest state. */
  target?: string;
  /** A mark to restore to exactly (--type=name); target is then the time it was made. */
  mark?: string;
  /** The backup set, repository and timeline the plan fixed. */
  pins?: RestorePins;
  /** Stopped before PostgreSQL, in this order, and started again after it. */
  workloads: Workload[];
  /** The safety backup's Job name; absent: no safety backup. */
  safetyJobName?: string;
  annotations: Record<string, string>;
  timeoutMs: number;
  /** Told each workload's replica count before it is scaled to 0, to be kept for a restart by hand. */
  onStopping?: (replicas: Record<string, number>) => Promise<void>;
}

export interface RestoreResult {
  safetyBackup: string | undefined;
  timelineBefore: number;
  timelineAfter: number;
  /** When the last transaction recovery replayed committed (UTC), or "" when none was. */
  replayed: string;
  /** The restore Job's name and log. */
  job: string;
  jobLog: string;
}

/** Where a restore stopped; each leaves production in a different state. */
export type RestoreStage =
  | "pausing the schedules"
  | "safety backup"
  | "reading PostgreSQL's timeline"
  | "stopping the applications"
  | "stopping PostgreSQL"
  | "the restore Job"
  | "starting and checking PostgreSQL"
  | "starting the applications"
  | "resuming the schedules";

/** The stages at which production is down: PostgreSQL stopped, or started but not checked. */
const PRODUCTION_DOWN: readonly RestoreStage[] = [
  "stopping PostgreSQL",
  "the restore Job",
  "starting and checking PostgreSQL",
];

export class RestoreStoppedError extends Error {
  readonly stage: RestoreStage;
  /**
   * PostgreSQL is stopped, or may be half-restored: nothing else may start on it until a
   * person has looked (the lock stays).
   */
  readonly productionDown: boolean;
  /** What to run to start the applications again (kind/name → replicas). */
  readonly replicas: Record<string, number>;
  /** The CronJobs the restore suspended and that are still suspended, to resume by hand. */
  readonly paused: string[];
  constructor(
    stage: RestoreStage,
    cause: unknown,
    replicas: Record<string, number>,
    paused: string[],
  ) {
    super(`stopped at ${stage}: ${(cause as Error).message}`, { cause });
    this.name = "RestoreStoppedError";
    this.stage = stage;
    this.productionDown = PRODUCTION_DOWN.includes(stage);
    this.replicas = replicas;
    this.paused = paused;
  }
}

export async function restoreProduction(
  cluster: Cluster,
  settings: Settings,
  request: RestoreRequest,
  progress: Progress,
): Promise<RestoreResult> {
  const { namespace } = settings;
  const { timeoutMs: wait } = request;
  const db = productionDatabase(settings);
  await requireUnlocked(cluster, settings, "Restore when it has finished.");
  // Read before anything is touched: without its template the restore cannot run at all.
  const job = await restoreJobFromCluster(cluster, namespace, {
    name: request.jobName,
    ...(request.target === undefined ? {} : { target: request.target }),
    ...(request.mark === undefined ? {} : { mark: request.mark }),
    ...(request.pins ? { pins: request.pins } : {}),
    annotations: request.annotations,
  });
  const replicas: Record<string, number> = {};
  let paused: string[] = [];
  /** Until PostgreSQL is stopped, production runs as before and a failure resumes the schedules. */
  let productionTouched = false;
  const stage = async <T>(name: RestoreStage, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (!productionTouched && paused.length > 0) {
        await resumeSchedules(cluster, namespace, paused).catch(() => {});
        paused = [];
      }
      throw new RestoreStoppedError(name, error, replicas, paused);
    }
  };

  paused = await stage("pausing the schedules", () =>
    progress("pause the scheduled backups and validation", () =>
      pauseSchedules(cluster, namespace),
    ),
  );

  const safetyBackup = request.safetyJobName
    ? await stage("safety backup", async () => {
        const backup = await runBackup(
          cluster,
          settings,
          {
            type: "incr",
            jobName: request.safetyJobName as string,
            annotations: request.annotations,
            timeoutMs: wait,
            title: "incr safety backup",
          },
          progress,
        );
        return backup.label;
      })
    : undefined;
  const timelineBefore = await stage("reading PostgreSQL's timeline", () => timeline(cluster, db));

  const names = request.workloads.map(workloadText).join(", ") || "none listed";
  await stage("stopping the applications", () =>
    progress(`stop applications: ${names}`, async () => {
      for (const w of request.workloads) {
        const object = await cluster.get(w.kind, namespace, w.name);
        if (!object) throw new Error(`${w.kind}/${w.name} not found in ${namespace}`);
        replicas[workloadText(w)] = (object.spec as { replicas?: number }).replicas ?? 1;
        await request.onStopping?.({ ...replicas });
        await cluster.scale(namespace, w.kind, w.name, 0);
        const selector = (object.spec as { selector?: { matchLabels?: Record<string, string> } })
          .selector?.matchLabels;
        if (selector) await waitForNoPods(cluster, namespace, selector, wait);
      }
    }),
  );

  productionTouched = true;
  await stage("stopping PostgreSQL", () =>
    progress(`stop PostgreSQL (${workloadText(POSTGRES_WORKLOAD)} to 0)`, async () => {
      await cluster.scale(namespace, "StatefulSet", POSTGRES.statefulSet, 0);
      await waitForNoPods(cluster, namespace, POSTGRES.labels, wait);
    }),
  );

  const what = request.mark
    ? `restore to mark ${request.mark} (${request.target})`
    : request.target
      ? `restore to ${request.target}`
      : "restore to the newest state";
  const run = await stage("the restore Job", () =>
    progress(`${what} (Job ${job.metadata.name})`, () =>
      runJobToCompletion(cluster, job, wait, `the ${what}`),
    ),
  );

  const after = await stage("starting and checking PostgreSQL", async () => {
    await progress(
      "start PostgreSQL; wait until recovery has ended and it accepts writes",
      async () => {
        await cluster.scale(namespace, "StatefulSet", POSTGRES.statefulSet, 1);
        await cluster.waitForPodsReady(namespace, POSTGRES.labels, wait);
        await waitWritable(cluster, wait, db);
      },
    );
    return progress(
      "check: out of recovery, on a new timeline, stopped before the target, a query works",
      async () => {
        const now = await timeline(cluster, db);
        if (now <= timelineBefore)
          throw new Error(`still on timeline ${now}; the restore did not promote`);
        // Recovery stops before the first commit after the target: the last one replayed
        // must not be later than the target.
        const replayed = await psql(
          cluster,
          `select ${sqlUtc("pg_last_xact_replay_timestamp()", SQL_TARGET_US)}`,
          db,
        );
        if (request.target && replayed && `${replayed}+00` > request.target)
          throw new Error(`recovery replayed a commit of ${replayed} UTC, after the target`);
        await psql(cluster, "select count(*) from pg_database", db);
        return { timeline: now, replayed };
      },
    );
  });

  await stage("starting the applications", () =>
    progress("start applications", async () => {
      for (const w of request.workloads)
        await cluster.scale(namespace, w.kind, w.name, replicas[workloadText(w)] ?? 1);
    }),
  );
  await stage("resuming the schedules", () =>
    progress(`resume the schedules: ${paused.join(", ") || "none were paused"}`, async () => {
      await resumeSchedules(cluster, namespace, paused);
      paused = [];
    }),
  );
  return {
    safetyBackup,
    timelineBefore,
    timelineAfter: after.timeline,
    replayed: after.replayed,
    job: job.metadata.name,
    jobLog: run.logs,
  };
}
