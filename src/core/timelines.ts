// Which timeline a point-in-time restore must follow. After an earlier restore, production
// runs on a new timeline that left its parent at the earlier target; the parent's commits
// between that target and the moment the new timeline began exist on the parent only.
// Recovery that follows the newest timeline (pgBackRest's default) cannot reach a target
// in that stretch: it would stop at the fork and report success. So the plan works out the
// timeline from PostgreSQL's own history files and pins it (--target-timeline), and a
// target it cannot place for certain is refused rather than guessed.
import type { Cluster } from "./cluster.ts";
import { type DatabaseTarget, psql, timeline } from "./database.ts";
import { sqlUtc } from "./names/formats.ts";

/** Where a timeline left its parent, from its history file. */
export interface TimelineFork {
  /** The timeline that began here, and the one it left. */
  timeline: number;
  parent: number;
  /** Why recovery stopped there, as PostgreSQL wrote it: "before 2026-11-24 14:30:00.25+00". */
  reason: string;
  /** Where in the parent's WAL it left (pg_lsn, 0/5000A28), when the history file says. */
  switchLsn?: string;
  /** When the timeline began (its history file was written at promotion), if known. */
  beganMs?: number;
}

export interface TimelineHistory {
  current: number;
  /** Newest first: the current timeline's fork from its parent, then the parent's, ... */
  forks: TimelineFork[];
}

function historyFile(timeline: number): string {
  return `pg_wal/${timeline.toString(16).toUpperCase().padStart(8, "0")}.history`;
}

/** The current timeline and its ancestry, from the history files in pg_wal. */
export async function readTimelines(
  cluster: Cluster,
  db: DatabaseTarget,
): Promise<TimelineHistory> {
  const current = await timeline(cluster, db);
  if (current <= 1) return { current, forks: [] };
  // Each line of a history file: the parent timeline, where it was left, and why. A file
  // that is not there (missing_ok) leaves the fork unknown, and a target behind it refused.
  const text = await psql(
    cluster,
    `select coalesce(pg_read_file('${historyFile(current)}', 0, 1048576, true), '')`,
    db,
  );
  if (!text.trim())
    return { current, forks: [{ timeline: current, parent: current - 1, reason: "" }] };
  const lines = text
    .split("\n")
    .map((line) => line.split("\t"))
    .filter((fields) => /^\d+$/.test(fields[0] ?? ""));
  const forks: TimelineFork[] = [];
  for (const [i, fields] of lines.entries()) {
    const child = i + 1 < lines.length ? Number(lines[i + 1]?.[0]) : current;
    const began = await psql(
      cluster,
      `select ${sqlUtc(`(pg_stat_file('${historyFile(child)}', true)).modification`)}`,
      db,
    );
    forks.unshift({
      timeline: child,
      parent: Number(fields[0]),
      ...(/^[0-9A-F]+\/[0-9A-F]+$/i.test(fields[1] ?? "") ? { switchLsn: fields[1] } : {}),
      reason: (fields[2] ?? "").trim(),
      beganMs: began ? Date.parse(began) : undefined,
    });
  }
  return { current, forks };
}

/** The moment in a reason such as "before 2026-11-24 14:30:00.250001+00" (any offset). */
function stopTime(reason: string): { side: "before" | "after"; ms: number } | undefined {
  const match =
    /^(before|after) (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)? ?([+-]\d\d)(?::?(\d\d))?/.exec(
      reason,
    );
  if (!match) return undefined;
  const [, side, date, time, fraction = "", hours = "+00", minutes = "00"] = match;
  const ms = Date.parse(`${date}T${time}${fraction.slice(0, 4)}${hours}:${minutes}`);
  return Number.isNaN(ms) ? undefined : { side: side as "before" | "after", ms };
}

/**
 * The timeline whose history holds every commit up to the target, or why that cannot be
 * told. Walks from the current timeline back: a target after a timeline began, or before
 * where it left its parent, is on it; one in between is on the parent's stretch that the
 * earlier restore left behind.
 */
export function timelineFor(
  targetMs: number,
  history: TimelineHistory,
): { timeline: number } | { refusal: string } {
  // `follow` is the timeline to pin; `at` the one whose fork is looked at next.
  let follow = history.current;
  let at = history.current;
  for (const fork of history.forks) {
    if (fork.timeline !== at) continue;
    if (fork.beganMs !== undefined && targetMs >= fork.beganMs) break;
    const stop = stopTime(fork.reason);
    // Commits before a "before X" stop, and up to an "after X" one, are on both: the
    // target is the same on `follow`, unless an older fork left it behind.
    const shared = stop && (stop.side === "before" ? targetMs < stop.ms : targetMs <= stop.ms);
    // Recovery that ran to the end of the WAL left nothing of the parent behind.
    const toTheEnd =
      !stop && /^(no recovery target specified|reached consistency)/.test(fork.reason);
    if (shared || toTheEnd) {
      at = fork.parent;
      continue;
    }
    if (stop && fork.beganMs !== undefined) {
      follow = fork.parent; // the stretch the earlier restore left behind
      at = fork.parent;
      continue;
    }
    return {
      refusal: `timeline ${fork.timeline} left timeline ${fork.parent} (${fork.reason || "no reason recorded"})${fork.beganMs === undefined ? " at a time PostgreSQL no longer records" : ""}, and the target may lie on the part of timeline ${fork.parent} that restore left behind; restore by hand with --target-timeline (docs/restore.md)`,
    };
  }
  return { timeline: follow };
}

/** A WAL segment's timeline and position: 000000020000000000000005 → [2, 0x0000000000000005]. */
function segmentOf(name: string): { timeline: number; position: bigint } | undefined {
  if (!/^[0-9A-F]{24}$/i.test(name)) return undefined;
  return {
    timeline: Number.parseInt(name.slice(0, 8), 16),
    position: (BigInt(`0x${name.slice(8, 16)}`) << 32n) + BigInt(`0x${name.slice(16, 24)}`),
  };
}

/** The segment an LSN falls in, with PostgreSQL's default 16 MiB segments, as segmentOf counts. */
function lsnSegment(lsn: string): bigint {
  const [high = "0", low = "0"] = lsn.split("/");
  return (BigInt(`0x${high}`) << 32n) + (BigInt(`0x${low}`) >> 24n);
}

/**
 * Whether a backup that ended in WAL segment `stopSegment` lies on the history of
 * `timeline`: taken on it, or on an ancestor before the point where the history left that
 * ancestor. A backup of a timeline that an earlier restore abandoned (a safety backup
 * taken just before it) cannot be recovered to a target on another branch. An unknown
 * segment or fork is taken as usable: pgBackRest then says so itself.
 */
export function onTimelinePath(
  stopSegment: string | null,
  timeline: number,
  history: TimelineHistory,
): boolean {
  const segment = stopSegment ? segmentOf(stopSegment) : undefined;
  if (!segment || segment.timeline === timeline) return true;
  let at = timeline;
  for (const fork of history.forks) {
    if (fork.timeline !== at) continue;
    if (fork.parent === segment.timeline)
      return fork.switchLsn === undefined || segment.position <= lsnSegment(fork.switchLsn);
    at = fork.parent;
  }
  return false;
}
