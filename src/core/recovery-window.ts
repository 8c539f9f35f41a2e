// The recovery window: from the first moment a point-in-time restore can reach to the
// last, both in UTC to the millisecond. Written once: /backup status, the restore plan and
// every refusal, and the Action's outputs and summary use it; scripts/pgbackrest-metrics.sh
// computes the same bounds in jq, and test/e2e/metrics.test.ts compares the two.
import { type BackupInfo, repoOf, type StanzaInfo, validBackups } from "./pgbackrest/info.ts";
import { isoUtc } from "./time.ts";

export interface RecoveryWindow {
  /**
   * The first restorable second: one after the oldest valid backup stopped. pgBackRest
   * records stop times in whole seconds and restores a time from a backup that stopped
   * in an earlier second, so the stop second itself cannot be reached.
   */
  start: string;
  /** When the newest WAL was archived; before any, the newest backup's stop. */
  end: string;
}

/** The window over every repository: a restore reads whichever has the backup it needs. */
export function recoveryWindow(
  stanza: StanzaInfo,
  lastArchived: string | undefined,
): RecoveryWindow | undefined {
  const backups = validBackups(stanza);
  const oldest = backups[0];
  const newest = backups.at(-1);
  if (!oldest || !newest) return undefined;
  const archived = lastArchived ? Date.parse(lastArchived) : Number.NaN;
  const end = Number.isNaN(archived) ? newest.timestamp.stop * 1000 : archived;
  return {
    start: isoUtc((oldest.timestamp.stop + 1) * 1000),
    end: isoUtc(end),
  };
}

/**
 * The window of each repository with a valid backup, repo1 first. WAL is archived to every
 * repository, so they end at the same point; each starts after its own oldest backup.
 */
export function recoveryWindows(
  stanza: StanzaInfo,
  lastArchived: string | undefined,
): (RecoveryWindow & { repo: number })[] {
  const repos = [...new Set(validBackups(stanza).map(repoOf))].sort((a, b) => a - b);
  return repos.flatMap((repo) => {
    const window = recoveryWindow(
      { ...stanza, backup: stanza.backup.filter((b) => repoOf(b) === repo) },
      lastArchived,
    );
    return window ? [{ repo, ...window }] : [];
  });
}

/**
 * The backup a restore to this instant starts from: the newest valid one that ended in an
 * earlier second (as pgBackRest picks it), in the first repository that has one
 * (pgBackRest searches repo1, then repo2, ...).
 */
export function backupBefore(
  stanza: StanzaInfo,
  epochMs: number,
  usable: (backup: BackupInfo) => boolean = () => true,
): BackupInfo | undefined {
  const second = Math.floor(epochMs / 1000);
  const before = validBackups(stanza).filter((b) => b.timestamp.stop < second && usable(b));
  const repos = [...new Set(before.map(repoOf))].sort((a, b) => a - b);
  return before.filter((b) => repoOf(b) === repos[0]).at(-1);
}

/**
 * Why a restore cannot reach `epochMs`, with the window shown; undefined when it can.
 * Every refusal of a target says the same window that status shows.
 */
export function outsideWindow(
  window: RecoveryWindow | undefined,
  epochMs: number,
  nowMs: number,
): string | undefined {
  if (!window) return "there is no valid backup to restore from; take a full backup first";
  const target = isoUtc(epochMs);
  const shown = `The recovery window is ${window.start} → ${window.end}; pick a time inside it.`;
  if (epochMs > nowMs)
    return `${target} is in the future (it is now ${isoUtc(nowMs)}); a restore can only go back. ${shown}`;
  if (epochMs < Date.parse(window.start))
    return `${target} is before the oldest restorable point. ${shown}`;
  if (epochMs > Date.parse(window.end))
    return `${target} is after the newest archived WAL. ${shown}`;
  return undefined;
}
