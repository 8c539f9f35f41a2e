// Named restore points ("marks"): a moment a deploy workflow or an operator names before a
// risky change, to go back to exactly it later rather than to a guessed time. PostgreSQL
// writes the point into WAL (pg_create_restore_point); pgBackRest recovers to it with
// --type=name. The names are kept beside the data, in the postgres database (schema
// mcpgov_backup): a restore to before a mark forgets the mark with the rest of that future.
import type { Cluster } from "./cluster.ts";
import { archiveNow, type DatabaseTarget, psql } from "./database.ts";
import { SQL_ISO_UTC_MS } from "./names/formats.ts";
import { UserError } from "./user-error.ts";

/** What a mark may be called: it reaches SQL as a literal, so nothing that could quote. */
export const MARK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export interface Mark {
  name: string;
  /** Where in WAL the point is (pg_lsn). */
  lsn: string;
  /** When it was made, UTC, as the recovery window writes times (2026-11-24T20:15:33.250Z). */
  createdAt: string;
}

/** The name, checked; a name that is not one says what is. */
export function markName(name: string): string {
  if (!MARK_NAME.test(name))
    throw new UserError(
      `"${name.slice(0, 70)}" is not a mark name: use letters, digits, _, . and - (at most 63, starting with a letter or digit), such as before-migration-42`,
    );
  return name;
}

const TABLE = "mcpgov_backup.marks";
const CREATED = `to_char(created_at at time zone 'UTC', '${SQL_ISO_UTC_MS}')`;
const SELECT = `select name, lsn, ${CREATED} from ${TABLE}`;

function parse(rows: string): Mark[] {
  return rows
    .split("\n")
    .filter(Boolean)
    .map((row) => {
      const [name = "", lsn = "", createdAt = ""] = row.split("|");
      return { name, lsn, createdAt };
    });
}

/** Every mark on production's timeline, oldest first; none before the first. */
export async function listMarks(cluster: Cluster, db: DatabaseTarget): Promise<Mark[]> {
  const exists = await psql(cluster, `select to_regclass('${TABLE}') is not null`, db);
  if (exists !== "t") return [];
  return parse(await psql(cluster, `${SELECT} order by created_at`, db));
}

/** The mark called `name`, or a refusal that lists the marks there are. */
export async function findMark(cluster: Cluster, db: DatabaseTarget, name: string): Promise<Mark> {
  const marks = await listMarks(cluster, db);
  const found = marks.find((m) => m.name === markName(name));
  if (!found)
    throw new UserError(
      `There is no mark ${name}. ${marks.length ? `Marks: ${marks.map((m) => `${m.name} (${m.createdAt})`).join(", ")}.` : "No mark has been made; make one with the mark operation."}`,
    );
  return found;
}

/**
 * Makes the mark, then closes its WAL segment and waits until the repository has it: a
 * mark is only worth something once a restore can reach it.
 */
export async function createMark(
  cluster: Cluster,
  db: DatabaseTarget,
  name: string,
  timeoutMs: number,
): Promise<Mark & { segment: string }> {
  markName(name);
  const existing = (await listMarks(cluster, db)).find((m) => m.name === name);
  // Recovery stops at the first point of a name: a second one could never be reached.
  if (existing)
    throw new UserError(
      `Mark ${name} exists already (made ${existing.createdAt}); choose another name.`,
    );
  await psql(
    cluster,
    `create schema if not exists mcpgov_backup; create table if not exists ${TABLE} (name text primary key, lsn pg_lsn not null, created_at timestamptz not null)`,
    db,
  );
  const [mark] = parse(
    await psql(
      cluster,
      `with point as (select pg_create_restore_point('${name}') as lsn, clock_timestamp() as at) insert into ${TABLE} select '${name}', lsn, at from point returning name, lsn, ${CREATED}`,
      db,
    ),
  );
  if (!mark) throw new Error(`mark ${name}: PostgreSQL returned no row`);
  const segment = await archiveNow(cluster, timeoutMs, db);
  return { ...mark, segment };
}
