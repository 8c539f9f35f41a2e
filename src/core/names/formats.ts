// How the product writes sizes, times and names, and the SQL it reads state with, each
// defined once. When you add or change one, update the table in docs/architecture.md
// ("Names, labels and annotations").

/** Bytes as people read them in comments, summaries and logs: "4.8 MiB". */
export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** PostgreSQL's to_char format for UTC as ISO-8601 with milliseconds: 2026-11-24T14:30:00.123Z. */
export const SQL_ISO_UTC_MS = `YYYY-MM-DD"T"HH24:MI:SS.MS"Z"`;

/** PostgreSQL's to_char format for a time pgBackRest's --target takes, to the microsecond (add "+00"). */
export const SQL_TARGET_US = "YYYY-MM-DD HH24:MI:SS.US";

/** SQL for a timestamptz expression in UTC, written with `format`; "" for null. */
export function sqlUtc(expression: string, format = SQL_ISO_UTC_MS): string {
  return `coalesce(to_char(${expression} at time zone 'UTC', '${format}'), '')`;
}

/** The timeline PostgreSQL is on (a point-in-time restore that promotes starts a new one). */
export const CURRENT_TIMELINE_SQL = "select timeline_id from pg_control_checkpoint()";

/** A GitHub team's slug, as the bot's settings and a repository's policy name teams. */
export const TEAM_SLUG = /^[a-z0-9][-a-z0-9_]*$/i;
