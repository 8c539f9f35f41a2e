// restore table: one table back as it was at a planned point, beside the live one and
// under a new name, while production runs on and keeps every write since. A clone of that
// point (operations/clone.ts, only the table's database restored) is the source; production
// copies the table's rows from it over the network (pg_dump into psql, in one
// transaction that commits only with every row), and the clone is removed afterwards,
// whatever happened. A failed copy leaves no table behind.

import { deleteClone, PLAIN_NAME } from "../clone-objects.ts";
import type { Cluster } from "../cluster.ts";
import { productionDatabase, psql } from "../database.ts";
import { requireUnlocked } from "../lock.ts";
import type { Progress } from "../progress.ts";
import type { Settings } from "../settings.ts";
import { UserError } from "../user-error.ts";
import { type CloneResult, createClone } from "./clone.ts";
import type { RestorePlan } from "./restore-plan.ts";
import { type TableMerge, tableMerge } from "./table-merge.ts";

export interface TableRef {
  /** Absent: the application's database (postgres-secret's POSTGRES_DB). */
  database?: string;
  schema: string;
  table: string;
}

/** schema.table or database.schema.table, each an unquoted lower-case name. */
export function parseTableRef(text: string): TableRef {
  const parts = text.trim().split(".");
  if ((parts.length === 2 || parts.length === 3) && parts.every((p) => PLAIN_NAME.test(p))) {
    const [table = "", schema = "", database] = [...parts].reverse();
    return { ...(database ? { database } : {}), schema, table };
  }
  throw new UserError(
    `"${text.slice(0, 80)}" is not a table: write schema.table or database.schema.table, lower-case names of letters, digits and _ (such as public.governance_policies)`,
  );
}

/** The copy's name: the table's, _restored_ and the point, as 20261124t143015 (within 63). */
export function restoredName(table: string, targetEpochMs: number): string {
  const stamp = new Date(targetEpochMs)
    .toISOString()
    .slice(0, 19)
    .replace(/[-:]/g, "")
    .toLowerCase();
  const suffix = `_restored_${stamp}`;
  return `${table.slice(0, 63 - suffix.length)}${suffix}`;
}

export interface TableRequest {
  table: TableRef;
  plan: RestorePlan;
  /** The clone the table is copied from (removed afterwards). */
  cloneId: string;
  annotations: Record<string, string>;
  timeoutMs: number;
}

export interface TableResult {
  database: string;
  /** schema.table, as restored from, and schema.copy, as written in production. */
  source: string;
  restoredAs: string;
  /** Rows the table had at the point (in the clone) and rows the copy has in production. */
  rowsAtPoint: number;
  rowsCopied: number;
  /** Rows of the live table now, or null when it no longer exists. */
  liveRows: number | null;
  /**
   * What to run next: put the copy in the table's place, or its rows back into the live
   * table (null when there is no live table; not offered, with why, when it would be wrong).
   */
  sql: { swap: string; merge: TableMerge | null };
  clone: CloneResult;
}

// Runs in production's PostgreSQL container: the clone's copy of the table, made there
// under the new name, dumped (rows and columns, no owner or grants) into production in one
// transaction that commits only when the whole dump arrived and the copy holds the point's
// count of rows. psql reads the stream as a file (-f -), where BEGIN and COMMIT are ours:
// a dump cut short never sends COMMIT, and PostgreSQL rolls back what came (psql applies
// --single-transaction to -c and -f only, never to stdin). The arguments are checked
// names and a count, never spliced into this text.
export const copyTableScript = `set -euo pipefail
host=$1 db=$2 source=$3 copy=$4 rows=$5
export PGPASSWORD="\${POSTGRES_PASSWORD:?}"
clone=(-h "$host" -U "\${POSTGRES_USER:-postgres}" -d "$db" -X)
psql "\${clone[@]}" -v ON_ERROR_STOP=1 -Atqc "create table $copy as table $source"
{
	echo 'begin;'
	pg_dump "\${clone[@]:0:6}" --table="$copy" --no-owner --no-privileges || exit 1
	echo "do \\$\\$ begin if (select count(*) from $copy) <> $rows then raise exception '$copy has % rows, the table had $rows at the point', (select count(*) from $copy); end if; end \\$\\$;"
	echo 'commit;'
} | psql -U postgres -d "$db" -X -v ON_ERROR_STOP=1 -q -f -`;

/** The application's database: what postgres-secret's POSTGRES_DB names, as the image reads it. */
async function applicationDatabase(cluster: Cluster, settings: Settings): Promise<string> {
  const target = productionDatabase(settings);
  const result = await cluster.exec(target, [
    "sh",
    "-c",
    `printf %s "\${POSTGRES_DB:-\${POSTGRES_USER:-postgres}}"`,
  ]);
  if (result.code !== 0 || !PLAIN_NAME.test(result.stdout))
    throw new UserError(
      "Cannot tell the application's database from postgres-secret's POSTGRES_DB: name it, as database.schema.table",
    );
  return result.stdout;
}

export async function restoreTable(
  cluster: Cluster,
  settings: Settings,
  request: TableRequest,
  progress: Progress,
): Promise<TableResult> {
  await requireUnlocked(cluster, settings, "Restore the table when it has finished.");
  const { schema, table } = request.table;
  const database = request.table.database ?? (await applicationDatabase(cluster, settings));
  const production = { ...productionDatabase(settings), database };
  const source = `${schema}.${table}`;
  const restoredAs = `${schema}.${restoredName(table, request.plan.targetEpochMs)}`;
  const exists = async (name: string) =>
    (await psql(cluster, `select to_regclass('${name}') is not null`, production)) === "t";
  await progress(`check that ${database}.${restoredAs} is free`, async () => {
    if (await exists(restoredAs))
      throw new UserError(
        `${database}.${restoredAs} exists already (restored before?): rename or drop it first, so that nothing is written over.`,
      );
  });

  const clone = await createClone(
    cluster,
    settings,
    {
      id: request.cloneId,
      plan: request.plan,
      database,
      // Long enough for the copy; removed as soon as it is done in any case.
      ttlMs: request.timeoutMs + 3_600_000,
      annotations: request.annotations,
      timeoutMs: request.timeoutMs,
    },
    progress,
  );
  // Qualified with the namespace (clone.host): production's superuser password goes there.
  try {
    const inClone = (query: string) =>
      cluster.exec(production, [
        "sh",
        "-c",
        `PGPASSWORD="\${POSTGRES_PASSWORD:?}" psql -h "$1" -U "\${POSTGRES_USER:-postgres}" -d "$2" -X -v ON_ERROR_STOP=1 -Atqc "$3"`,
        "in-clone",
        clone.host,
        database,
        query,
      ]);
    const rowsAtPoint = await progress(`count ${source} at ${clone.point}`, async () => {
      const ask = async (query: string) => {
        const answer = await inClone(query);
        if (answer.code !== 0)
          throw new Error(`cannot query the clone ${clone.name}: ${answer.stderr.trim()}`);
        return answer.stdout.trim();
      };
      if ((await ask(`select to_regclass('${source}') is not null`)) !== "t")
        throw new UserError(
          `${database}.${source} did not exist at ${clone.point}: nothing to restore. Check the name, or pick a later point.`,
        );
      return Number(await ask(`select count(*) from ${source}`));
    });
    const inProduction = (query: string) => psql(cluster, query, production);
    const rowsCopied = await progress(
      `copy ${source} into production as ${restoredAs}`,
      async () => {
        const copied = await cluster.exec(production, [
          "bash",
          "-c",
          copyTableScript,
          "restore-table",
          clone.host,
          database,
          source,
          restoredAs,
          String(rowsAtPoint),
        ]);
        // Counted on every path: the script checks before it commits, and this after.
        const rows =
          copied.code === 0
            ? await inProduction(`select count(*) from ${restoredAs}`)
                .then(Number)
                .catch(() => null)
            : null;
        if (rows === rowsAtPoint) return rows;
        const why =
          copied.code !== 0
            ? copied.stderr.trim() || `exit code ${copied.code}`
            : rows === null
              ? `${restoredAs} could not be counted`
              : `${restoredAs} has ${rows} rows, the table had ${rowsAtPoint} at the point`;
        // The transaction leaves nothing of an interrupted copy; whatever is there all the
        // same is dropped, so that production is as it was and a retry finds the name free.
        const left = await inProduction(`drop table if exists ${restoredAs}`)
          .then(() => exists(restoredAs))
          .catch(() => true);
        throw new Error(
          `copying ${source} from the clone failed (${why}). ${
            left
              ? `${database}.${restoredAs} may hold part of the rows: drop it before you plan again.`
              : `Production has no ${database}.${restoredAs} (checked): nothing was written, and planning again retries.`
          } The clone was removed; to copy by hand, see docs/runbooks/undo-a-mistake.md`,
        );
      },
    );
    const liveRows = (await exists(source))
      ? Number(await inProduction(`select count(*) from ${source}`))
      : null;
    return {
      database,
      source,
      restoredAs,
      rowsAtPoint,
      rowsCopied,
      liveRows,
      sql:
        liveRows === null
          ? { swap: `alter table ${restoredAs} rename to ${table};`, merge: null }
          : {
              swap: `begin; alter table ${source} rename to ${table}_replaced; alter table ${restoredAs} rename to ${table}; commit;`,
              // The copy is made: a merge that cannot be worked out is not offered, and says why.
              merge: await tableMerge(inProduction, source, restoredAs).catch(
                (error: unknown): TableMerge => ({
                  offered: false,
                  why: `the live table's key and columns could not be read (${error instanceof Error ? error.message : String(error)})`,
                }),
              ),
            },
      clone,
    };
  } finally {
    await progress(`remove the clone ${clone.name}`, () =>
      deleteClone(cluster, settings.namespace, clone.id),
    );
  }
}
