// The SQL that puts a restored table's rows back into the live table (/restore table), or
// why there is none. A merge needs a key to tell a missing row from a present one (without
// one, every row would be added again) and the same columns by name (else values land in
// the wrong columns). Missing rows come back by themselves; rows changed since the point
// are a separate statement, listed first, because taking them overwrites later writes.

export interface ChangedRows {
  /** How many rows of the copy differ from the live row with the same key. */
  rows: number;
  /** Their keys, as PostgreSQL prints a row's value: up to ten. */
  keys: string[];
  /** A query listing every such key. */
  list: string;
  /** Sets those rows to the point's values, over whatever was written to them since. */
  overwrite: string;
}

export type TableMerge =
  | { offered: true; addMissing: string; missingRows: number; changed: ChangedRows | null }
  | { offered: false; why: string };

/** Keys shown in a comment; the list query gives them all. */
const SHOWN_KEYS = 10;

// Column names come from the catalog, quoted there (quote_ident): any name is safe to
// put into SQL, and JSON keeps a name with a comma whole.
const columnsOf = (table: string) =>
  `select coalesce(json_agg(quote_ident(attname) order by attnum), '[]') from pg_attribute where attrelid = '${table}'::regclass and attnum > 0 and not attisdropped`;

// The primary key, else the first unique constraint, by name: its columns in key order.
const keyOf = (table: string) =>
  `select coalesce((select json_agg(quote_ident(a.attname) order by k.n) from pg_constraint c, unnest(c.conkey) with ordinality k(attnum, n), pg_attribute a where c.oid = (select oid from pg_constraint where conrelid = '${table}'::regclass and contype in ('p', 'u') order by contype = 'p' desc, conname limit 1) and a.attrelid = c.conrelid and a.attnum = k.attnum), '[]')`;

const unquote = (name: string) => name.replace(/^"(.*)"$/, "$1").replaceAll('""', '"');

/** What can be merged from `restoredAs` into `source`, asked of production's database. */
export async function tableMerge(
  query: (sql: string) => Promise<string>,
  source: string,
  restoredAs: string,
): Promise<TableMerge> {
  const key = JSON.parse(await query(keyOf(source))) as string[];
  if (key.length === 0)
    return {
      offered: false,
      why: `${source} has no primary key or unique constraint, so a merge cannot tell a missing row from one that is there and would add every row again`,
    };
  const live = JSON.parse(await query(columnsOf(source))) as string[];
  const copied = JSON.parse(await query(columnsOf(restoredAs))) as string[];
  const onlyLive = live.filter((c) => !copied.includes(c)).map(unquote);
  const onlyCopied = copied.filter((c) => !live.includes(c)).map(unquote);
  if (onlyLive.length > 0 || onlyCopied.length > 0)
    return {
      offered: false,
      why: `the columns differ since the point (now only: ${onlyLive.join(", ") || "none"}; at the point only: ${onlyCopied.join(", ") || "none"}), so a merge would put values in the wrong columns`,
    };

  const columns = copied.join(", ");
  const joinOn = key.map((c) => `l.${c} = r.${c}`).join(" and ");
  const others = copied.filter((c) => !key.includes(c));
  const addMissing = `insert into ${source} (${columns}) select ${columns} from ${restoredAs} on conflict (${key.join(", ")}) do nothing;`;
  const missingRows = Number(
    await query(
      `select count(*) from ${restoredAs} r where not exists (select from ${source} l where ${joinOn})`,
    ),
  );
  if (others.length === 0) return { offered: true, addMissing, missingRows, changed: null };

  const differs = `(${others.map((c) => `l.${c}`).join(", ")}) is distinct from (${others.map((c) => `r.${c}`).join(", ")})`;
  const keyText = `row(${key.map((c) => `r.${c}`).join(", ")})::text`;
  const keyOrder = key.map((c) => `r.${c}`).join(", ");
  const from = `${restoredAs} r join ${source} l on ${joinOn} where ${differs}`;
  // A one-column key prints as (20); shown as 20.
  const shown = (text: string) => (key.length === 1 ? text.replace(/^\((.*)\)$/, "$1") : text);
  const differing = JSON.parse(
    await query(
      `select json_build_object('rows', count(*), 'keys', coalesce(json_agg(k order by n) filter (where n <= ${SHOWN_KEYS}), '[]')) from (select ${keyText} k, row_number() over (order by ${keyOrder}) n from ${from}) d`,
    ),
  ) as { rows: number; keys: string[] };
  return {
    offered: true,
    addMissing,
    missingRows,
    changed: {
      rows: differing.rows,
      keys: differing.keys.map(shown),
      list: `select ${key.length === 1 ? `r.${key[0]}` : keyText} from ${from} order by ${keyOrder};`,
      overwrite: `update ${source} l set ${others.map((c) => `${c} = r.${c}`).join(", ")} from ${restoredAs} r where ${joinOn} and ${differs};`,
    },
  };
}
