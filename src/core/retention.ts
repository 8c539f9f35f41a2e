// Retention: how far back each repository keeps what a point-in-time restore needs, read
// from the configuration the repository host runs, and the window in time it guarantees.
// pgBackRest takes time or count, never both:
// - time (repoN-retention-full-type=time, repoN-retention-full=DAYS): a full is expired
//   only once a newer full stopped more than DAYS days ago, and WAL only before the oldest
//   full kept (expire.c, expireTimeBasedBackup), so any point of the last DAYS days stays
//   restorable, however many fulls anyone takes: the guaranteed window.
// - count (the default type): the oldest fulls beyond the count go, and their WAL, however
//   young. No window in time is guaranteed; the product's own floor
//   (GUARANTEED_WINDOW_DAYS) keeps an ad-hoc full from expiring a backup inside it.
import { GUARANTEED_WINDOW_DAYS } from "./names/defaults.ts";
import { optionValue, parsePgbackrestConfig } from "./pgbackrest/config.ts";
import { type BackupInfo, repoOf, type StanzaInfo } from "./pgbackrest/info.ts";
import { isoUtc } from "./time.ts";

export type Retention =
  | { repo: number; type: "time"; days: number }
  | { repo: number; type: "count"; fulls: number }
  /** repoN-retention-full unset: pgBackRest warns and expires no full. */
  | { repo: number; type: "unset" };

const DAY_MS = 86_400_000;

/** One repository's retention from pgbackrest.conf and the S3 component's variables. */
export function retentionOf(
  conf: string,
  environment: Record<string, string>,
  stanza: string,
  repo: number,
): Retention {
  const { config } = parsePgbackrestConfig(conf);
  const option = (name: string) =>
    environment[`PGBACKREST_REPO${repo}_${name.toUpperCase().replaceAll("-", "_")}`] ??
    optionValue(config, stanza, `repo${repo}-${name}`);
  const full = option("retention-full");
  const value = Number(full);
  if (full === undefined || !Number.isInteger(value) || value < 1) return { repo, type: "unset" };
  return option("retention-full-type") === "time"
    ? { repo, type: "time", days: value }
    : { repo, type: "count", fulls: value };
}

/** Said when an info Job's log holds no retention (a template older than this release). */
export const NO_RETENTION_PRINTED =
  "the pgbackrest-info Job printed no retention: its template is older than this release; apply this release's manifests (the pgbackrest-info CronJob and pgbackrest-config)";

/**
 * The retention of each repository from an info Job's log: the lines pgbackrest-info.sh
 * prints after the info (pgbackrest.conf's section headers and retention-full options, the
 * S3 component's retention variables), so that reading it needs no right on ConfigMaps.
 * Undefined when the log holds none (NO_RETENTION_PRINTED).
 */
export function retentionFromLog(
  log: string,
  stanza: string,
  repos: number[],
): Retention[] | undefined {
  const lines = log.split("\n").map((line) => line.trim());
  if (!lines.includes("retention end")) return undefined;
  const said = (kind: "conf" | "env") =>
    lines
      .filter((line) => line.startsWith(`retention ${kind} `))
      .map((line) => line.slice(`retention ${kind} `.length));
  const conf = said("conf").join("\n");
  const environment = Object.fromEntries(
    said("env").map((line) => {
      const at = line.indexOf("=");
      return [line.slice(0, at), line.slice(at + 1)];
    }),
  );
  return repos.map((repo) => retentionOf(conf, environment, stanza, repo));
}

/** The days of the window in time that cannot be shrunk by taking backups. */
export function guaranteedDays(retention: Retention): number {
  return retention.type === "time" ? retention.days : GUARANTEED_WINDOW_DAYS;
}

/** What the repository guarantees, in a sentence's words, for status. */
export function describeGuarantee(retention: Retention): string {
  const { repo } = retention;
  if (retention.type === "time")
    return `repo${repo}: the last ${retention.days} days (repo${repo}-retention-full-type=time)`;
  if (retention.type === "unset")
    return `repo${repo}: every backup (repo${repo}-retention-full is not set: nothing expires)`;
  return `repo${repo}: none in time (repo${repo}-retention-full=${retention.fulls} counts fulls; the scheduled fulls expire the oldest); an ad-hoc full may not expire a backup of the last ${GUARANTEED_WINDOW_DAYS} days`;
}

/**
 * Why a new full backup in this repository may not run: under count retention, the expiry
 * after it would leave the oldest full stopping inside the guaranteed window, so points of
 * that window would go with the fulls before it. Undefined when it may run. pgBackRest's
 * own time retention keeps the window by itself.
 */
export function fullWouldShrinkWindow(
  stanza: StanzaInfo,
  retention: Retention,
  nowMs: number,
): string | undefined {
  if (retention.type !== "count") return undefined;
  const { repo, fulls: keep } = retention;
  const fulls = stanza.backup
    .filter((b: BackupInfo) => b.type === "full" && repoOf(b) === repo)
    .sort((a, b) => a.timestamp.stop - b.timestamp.stop);
  const expiring = fulls.length + 1 - keep;
  if (expiring <= 0) return undefined;
  const expired = fulls.slice(0, expiring);
  const oldestKeptMs = (fulls[expiring]?.timestamp.stop ?? nowMs / 1000) * 1000;
  const days = GUARANTEED_WINDOW_DAYS;
  const floorMs = nowMs - days * DAY_MS;
  // As pgBackRest's time retention: a full may go once a newer one stopped before the floor.
  if (oldestKeptMs < floorMs) return undefined;
  const labels = expired.map((b) => b.label).join(", ");
  return `A full backup now would shrink the recovery window below the last ${days} days (since ${isoUtc(floorMs)}), which no backup may do: repository ${repo} keeps ${keep} full backups (repo${repo}-retention-full=${keep}, count retention), so it would expire ${labels} and its WAL, and repository ${repo} would then reach back only to ${isoUtc(oldestKeptMs + 1000)}. Nothing was run. Take a diff or incr backup instead, or keep the window by time: repo${repo}-retention-full-type=time in pgbackrest.conf (README.md, "Retention").`;
}

/** What one repository guarantees, next to how far back its window actually reaches. */
export interface WindowGuarantee {
  repo: number;
  /** describeGuarantee's sentence. */
  says: string;
  /** The days guaranteed in time; undefined when retention counts fulls or keeps all. */
  days: number | undefined;
  /** How many days back its window starts now, to a tenth; undefined without a backup. */
  reachesBackDays: number | undefined;
}

export function windowGuarantees(
  retentions: Retention[],
  windows: { repo: number; start: string }[],
  nowMs: number,
): WindowGuarantee[] {
  return retentions.map((retention) => {
    const start = windows.find((w) => w.repo === retention.repo)?.start;
    return {
      repo: retention.repo,
      says: describeGuarantee(retention),
      days: retention.type === "time" ? retention.days : undefined,
      reachesBackDays:
        start === undefined
          ? undefined
          : Math.round((nowMs - Date.parse(start)) / (DAY_MS / 10)) / 10,
    };
  });
}
