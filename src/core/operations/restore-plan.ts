// restore plan: what a point-in-time restore is checked against before anyone confirms
// it. The time is read strictly; nothing that a restore must not overlap may be running;
// the current WAL is archived so that the window reaches now; the target must lie in the
// recovery window, and any that does not is refused with the window shown. Nothing is
// changed but one WAL segment closed early.
import type { Cluster } from "../cluster.ts";
import { sealWal } from "../database.ts";
import { runningJobs } from "../jobs.ts";
import { type BackupInfo, repoOf, validBackups } from "../pgbackrest/info.ts";
import {
  backupBefore,
  outsideWindow,
  type RecoveryWindow,
  recoveryWindow,
} from "../recovery-window.ts";
import { stanzaInfo } from "../repository.ts";
import { parsePointInTime, TimeError } from "../time.ts";
import { UserError } from "../user-error.ts";
import { type Progress, productionDatabase, type Settings } from "./settings.ts";

export interface RestoreRequest {
  /** The point in time as the person wrote it. */
  time: string;
  /** Read a time without a zone as UTC (the bot's policy). */
  assumeUtc?: boolean;
}

export interface RestorePlan {
  /** pgBackRest's --target, UTC: 2026-11-24 20:15:33.250000+00 */
  target: string;
  targetEpochMs: number;
  /** The backup set recovery starts from, and the repository that holds it. */
  backupLabel: string;
  backupRepo: number;
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

export async function planRestore(
  cluster: Cluster,
  settings: Settings,
  request: RestoreRequest,
  progress: Progress,
): Promise<RestorePlan> {
  let point: ReturnType<typeof parsePointInTime>;
  try {
    point = parsePointInTime(request.time, { assumeUtc: request.assumeUtc });
  } catch (error) {
    if (error instanceof TimeError) throw new UserError(error.message);
    throw error;
  }
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
  const refusal = outsideWindow(window, point.epochMs, Date.parse(now));
  const backup = backupBefore(stanza, point.epochMs);
  if (refusal || !window || !backup) throw new UserError(refusal ?? "no backup before the target");
  return {
    target: point.target,
    targetEpochMs: point.epochMs,
    backupLabel: backup.label,
    backupRepo: repoOf(backup),
    window,
    estimateSeconds: estimateSeconds(validBackups(stanza), backup),
  };
}
