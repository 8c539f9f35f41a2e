// restore plan: what a point-in-time restore is checked against before anyone confirms
// it. The time is read strictly; nothing that a restore must not overlap may be running;
// the current WAL is archived so that the window reaches now; the target must lie in the
// recovery window, and any that does not is refused with the window shown. Nothing is
// changed but one WAL segment closed early.
import type { Cluster } from "../cluster.ts";
import { productionDatabase, sealWal, timeline } from "../database.ts";
import { runningJobs } from "../jobs.ts";
import { findMark, listMarks, markName } from "../marks.ts";
import { type BackupInfo, repoOf, validBackups } from "../pgbackrest/info.ts";
import type { Progress } from "../progress.ts";
import {
  backupBefore,
  outsideWindow,
  type RecoveryWindow,
  recoveryWindow,
} from "../recovery-window.ts";
import { stanzaInfo } from "../repository.ts";
import type { Settings } from "../settings.ts";
import { parsePointInTime, TimeError } from "../time.ts";
import { onTimelinePath, readTimelines, timelineFor } from "../timelines.ts";
import { UserError } from "../user-error.ts";

export interface PointRequest {
  /** The point in time as the person wrote it, mark:NAME for a mark (core/marks.ts), or latest. */
  time: string;
  /** Read a time without a zone as UTC (the bot's policy). */
  assumeUtc?: boolean;
}

export interface RestorePlan {
  /** pgBackRest's --target, UTC: 2026-11-24 20:15:33.250000+00; for a mark, when it was made. */
  target: string;
  /** The mark recovery stops at exactly (--type=name), when the request named one. */
  mark?: string;
  /** The newest state (the seed's full restore): every archived WAL; target is then its end. */
  latest?: boolean;
  targetEpochMs: number;
  /** The backup set recovery starts from, and the repository that holds it (pinned). */
  backupLabel: string;
  backupRepo: number;
  /** The timeline recovery follows to the target (pinned), and production's when planned. */
  timeline: number;
  currentTimeline: number;
  window: RecoveryWindow;
  /** Safety backup, restore, start and checks. */
  estimateSeconds: number;
}

/** Refuses while a backup, validation or restore Job runs (a schedule may start one at any time). */
export async function requireNoRunningJobs(cluster: Cluster, namespace: string): Promise<void> {
  const running = await runningJobs(cluster, namespace);
  if (running.length > 0)
    throw new UserError(
      `Not now: Job ${running.map((name) => `\`${name}\``).join(", ")} is still running. A restore must not overlap a backup or a validation; wait for it to finish.`,
    );
}

/** How long the restore will take, from how long its backups took to make. */
function estimateSeconds(backups: BackupInfo[], backup: BackupInfo): number {
  const chainFull = backups.find((b) => b.label === backup.label.split("_")[0]) ?? backup;
  const lastSmall = backups.filter((b) => b.type !== "full").at(-1);
  const safety = lastSmall ? lastSmall.timestamp.stop - lastSmall.timestamp.start : 30;
  return safety + chainFull.timestamp.stop - chainFull.timestamp.start + 60;
}

/** A time read strictly; one that is not a time is the person's mistake, said as such. */
function readPoint(time: string, assumeUtc: boolean | undefined) {
  try {
    return parsePointInTime(time, { assumeUtc });
  } catch (error) {
    if (error instanceof TimeError) throw new UserError(error.message);
    throw error;
  }
}

/**
 * The point as the person wrote it, checked before anything is asked of the cluster:
 * `latest`, `mark:NAME` with a mark's name, or a time with its zone.
 */
export function checkPoint(request: PointRequest): void {
  const text = request.time.trim();
  if (text === "latest") return;
  const mark = /^mark:(.*)$/.exec(text)?.[1];
  if (mark === undefined) readPoint(text, request.assumeUtc);
  else markName(mark);
}

export async function planRestore(
  cluster: Cluster,
  settings: Settings,
  request: PointRequest,
  progress: Progress,
): Promise<RestorePlan> {
  checkPoint(request);
  const latest = request.time.trim() === "latest";
  const markAsked = /^mark:(.*)$/.exec(request.time.trim())?.[1];
  // A mark is planned as the moment it was made: the backup before it, the window, the
  // timeline; recovery then stops at the point itself.
  const mark =
    markAsked === undefined
      ? undefined
      : await progress(`find mark ${markAsked}`, () =>
          findMark(cluster, productionDatabase(settings), markAsked),
        );
  let point = latest ? undefined : readPoint(mark?.createdAt ?? request.time, request.assumeUtc);
  await progress("check that no backup, validation or restore is running", () =>
    requireNoRunningJobs(cluster, settings.namespace),
  );
  const now = await progress("archive the current WAL, so the window reaches now", () =>
    sealWal(cluster, 120_000, productionDatabase(settings)),
  );
  const stanza = await progress("read the repository (pgbackrest info)", () =>
    stanzaInfo(cluster, settings.namespace, settings.stanza),
  );
  const window = recoveryWindow(stanza, now);
  // The newest state: the window's end, from the newest backup.
  point ??= parsePointInTime(window?.end ?? now);
  const refusal = latest ? undefined : outsideWindow(window, point.epochMs, Date.parse(now));
  if (mark && refusal) {
    // A mark that has left the window: the ones a restore can still reach.
    const reachable = (await listMarks(cluster, productionDatabase(settings))).filter(
      (m) => window && m.createdAt >= window.start,
    );
    throw new UserError(
      `Mark ${mark.name} (made ${mark.createdAt}) can no longer be restored to: ${refusal} ${reachable.length ? `Marks that can: ${reachable.map((m) => `${m.name} (${m.createdAt})`).join(", ")}.` : "No mark in the window."}`,
    );
  }
  if (refusal || !window) throw new UserError(refusal ?? "no backup before the target");
  const history = await progress("read PostgreSQL's timeline history", () =>
    readTimelines(cluster, productionDatabase(settings)),
  );
  const path = latest ? { timeline: history.current } : timelineFor(point.epochMs, history);
  if ("refusal" in path) throw new UserError(`Not planned: ${path.refusal}.`);
  // Only a backup on the history of that timeline can be recovered along it.
  const usable = (b: BackupInfo) => onTimelinePath(b.archive.stop, path.timeline, history);
  const backup = latest
    ? validBackups(stanza).filter(usable).at(-1)
    : backupBefore(stanza, point.epochMs, usable);
  if (!backup)
    throw new UserError(
      `no backup before the target on the history of timeline ${path.timeline}; take a full backup first`,
    );
  return {
    target: point.target,
    ...(mark ? { mark: mark.name } : {}),
    ...(latest ? { latest } : {}),
    targetEpochMs: point.epochMs,
    backupLabel: backup.label,
    backupRepo: repoOf(backup),
    timeline: path.timeline,
    currentTimeline: history.current,
    window,
    estimateSeconds: estimateSeconds(validBackups(stanza), backup),
  };
}

/**
 * A plan checked again just before it is carried out (under the lock): production is still
 * on the timeline it was planned on, the backup set is still in its repository (a
 * scheduled expire may have removed it), and the target is still in the recovery window.
 */
export async function recheckPlan(
  cluster: Cluster,
  settings: Settings,
  plan: Pick<
    RestorePlan,
    "target" | "targetEpochMs" | "backupLabel" | "backupRepo" | "currentTimeline"
  >,
  progress: Progress,
): Promise<void> {
  await progress("check the plan again: timeline, backup set, recovery window", async () => {
    const db = productionDatabase(settings);
    const current = await timeline(cluster, db);
    if (current !== plan.currentTimeline)
      throw new UserError(
        `Not started: production is on timeline ${current} now, not ${plan.currentTimeline} as when this was planned (a restore happened since). Plan it again.`,
      );
    const stanza = await stanzaInfo(cluster, settings.namespace, settings.stanza);
    const set = validBackups(stanza).find(
      (b) => b.label === plan.backupLabel && repoOf(b) === plan.backupRepo,
    );
    if (!set)
      throw new UserError(
        `Not started: backup set ${plan.backupLabel} is no longer in repo${plan.backupRepo} (expired since the plan). Plan it again.`,
      );
    const now = new Date().toISOString();
    const refusal = outsideWindow(recoveryWindow(stanza, now), plan.targetEpochMs, Date.parse(now));
    if (refusal) throw new UserError(`Not started: ${refusal}`);
  });
}
