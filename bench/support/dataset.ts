// The generated database: one table, `bench_events`, range-partitioned by id into eight
// partitions as an append-mostly log is; each row carries ~200 bytes of repetitive text
// (compressible) and ~200 random bytes (incompressible), so the data is about half of
// each. Loaded with WAL skipped (wal_level=minimal, archiving off) and frozen, then the
// server restarts with the manifests' settings and the product's stanza-create Job runs.
import { appendFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { jobCommand } from "../../src/local/lab/first-run.ts";
import type { PgHost } from "../../src/local/lab/pg-host.ts";
import type { Lab } from "./lab.ts";
import { DATABASE, dirBytes } from "./pg.ts";
import { timed } from "./stats.ts";

/** Bytes one row takes on disk with its index entry (measured: 18 rows per 8 KiB page). */
const ROW_BYTES = 477;
const PARTITIONS = 8;

export interface Source {
  host: PgHost;
  rows: number;
  /** Bytes under PGDATA after the load (what a backup reads). */
  pgdataBytes: number;
  databaseBytes: number;
  loadSeconds: number;
  /** The next partition's number and first id: appends make a new partition. */
  nextPartition: number;
  nextId: number;
  /** How many uniform updates ran (each picks other rows). */
  updates: number;
  /** Rows each of the loaded partitions holds (the last may hold fewer). */
  partitionRows: number;
}

function rowsSql(table: string, from: number, to: number): string {
  return `insert into ${table} (id, note, blob)
    select n, rpad('event ' || (n % 97) || ' policy ' || (n % 1013) || ' ', 200, 'governance audit '),
           gen_random_bytes(200)
    from generate_series(${from}, ${to - 1}) n`;
}

const COLUMNS = "id bigint not null, note text not null, blob bytea not null";

/** Runs `tasks` with at most `limit` at a time. */
async function pool(tasks: (() => Promise<unknown>)[], limit: number): Promise<void> {
  const queue = [...tasks];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let task = queue.shift(); task; task = queue.shift()) await task();
    }),
  );
}

/** The source database, made once per run at --size-gb. */
export function source(lab: Lab): Promise<Source> {
  return lab.once("source", () => generate(lab, lab.sizeGb));
}

/**
 * A database of `sizeGb` GiB on a host of its own (its repository inside it), made anew
 * at each call: the caller removes it with lab.drop(db.host) when done.
 */
export async function generate(lab: Lab, sizeGb: number): Promise<Source> {
  const host = await lab.host();
  const rows = Math.max(PARTITIONS * 1000, Math.round((sizeGb * 2 ** 30) / ROW_BYTES));
  const per = Math.ceil(rows / PARTITIONS);
  // pg_basebackup connects for replication, which the manifests' pg_hba.conf does not list.
  appendFileSync(
    join(host.dir, "etc/postgresql/pg_hba.conf"),
    "local   replication  postgres  peer\n",
  );
  await lab.step("initdb (data checksums on, as the StatefulSet does)", () => host.initdb());
  const load = await timed(() =>
    lab.step(`load ${rows.toLocaleString("en")} rows (~${sizeGb} GiB) without WAL`, async () => {
      await host.start({
        wal_level: "minimal",
        max_wal_senders: "0",
        archive_mode: "off",
        synchronous_commit: "off",
        maintenance_work_mem: "256MB",
      });
      await host.sql(`create database ${DATABASE}`);
      await host.sql("create extension pgcrypto", DATABASE);
      const parts = Array.from({ length: PARTITIONS }, (_, k) => {
        const from = 1 + k * per;
        const to = Math.min(rows, (k + 1) * per) + 1;
        // Created, filled and indexed in one transaction: with wal_level=minimal nothing
        // of it is written to WAL. The CHECK makes ATTACH PARTITION skip its scan.
        return async () => {
          await host.sql(
            `begin;
             create table bench_events_${k} (${COLUMNS} check (id >= ${from} and id < ${to}))
               with (autovacuum_enabled = false);
             ${rowsSql(`bench_events_${k}`, from, to)};
             create index on bench_events_${k} (id);
             commit;`,
            DATABASE,
          );
        };
      });
      await pool(parts, availableParallelism());
      // Frozen once every load has committed, so that no later read or vacuum rewrites
      // every page between backups. A VACUUM FREEZE that runs while another partition's
      // load is still open can neither freeze nor mark all-visible the rows committed
      // after that load began; the first statement to read them then sets their hint
      // bits, which with data checksums rewrites every page of the partition, and every
      // block of its files differs from the last backup's.
      const names = Array.from({ length: PARTITIONS }, (_, k) => `bench_events_${k}`).join(", ");
      // The loads committed asynchronously: VACUUM marks a page all-visible only once the
      // hint bits are set, which waits for the commit records to be flushed.
      await host.sql("checkpoint");
      await host.sql(`vacuum (freeze) ${names}`, DATABASE);
      await host.sql(`analyze ${names}`, DATABASE);
      const attach = Array.from({ length: PARTITIONS }, (_, k) => {
        const from = 1 + k * per;
        const to = Math.min(rows, (k + 1) * per) + 1;
        return `alter table bench_events attach partition bench_events_${k} for values from (${from}) to (${to});`;
      });
      await host.sql(
        `create table bench_events (${COLUMNS}) partition by range (id); ${attach.join("\n")}`,
        DATABASE,
      );
      await host.stop();
    }),
  );
  await lab.step(
    "start with postgres-config.yaml; stanza-create Job (stanza-create, check)",
    async () => {
      await host.start();
      await host.run(jobCommand(lab.manifestsDir, "pgbackrest-stanza-create-job.yaml"));
      await host.sql("checkpoint");
    },
  );
  const databaseBytes = Number(await host.sql(`select pg_database_size('${DATABASE}')`));
  const pgdataBytes = dirBytes(host.pgdata);
  lab.log(
    `  database ${(databaseBytes / 2 ** 30).toFixed(2)} GiB, PGDATA ${(pgdataBytes / 2 ** 30).toFixed(2)} GiB`,
  );
  return {
    host,
    rows,
    pgdataBytes,
    databaseBytes,
    loadSeconds: load.seconds,
    nextPartition: PARTITIONS,
    nextId: rows + 1,
    updates: 0,
    partitionRows: per,
  };
}

/** Inserts `percent` % more rows, into a new partition as a time-partitioned log would. */
export async function appendRows(source: Source, percent = 1): Promise<number> {
  const count = Math.round((source.rows * percent) / 100);
  const from = source.nextId;
  const to = from + count;
  const table = `bench_events_${source.nextPartition}`;
  await source.host.sql(
    `create table ${table} partition of bench_events for values from (${from}) to (${to})
       with (autovacuum_enabled = false);
     ${rowsSql(table, from, to)};
     create index on ${table} (id);`,
    DATABASE,
  );
  source.nextPartition += 1;
  source.nextId = to;
  source.rows += count;
  return count;
}

/** Updates `percent` % of the rows, chosen uniformly (every partition, every segment file). */
export async function updateUniformly(source: Source, percent = 1): Promise<number> {
  const modulus = Math.round(100 / percent);
  const pick = (source.updates * 37 + 11) % modulus;
  source.updates += 1;
  const updated = await source.host.sql(
    `with u as (update bench_events set blob = gen_random_bytes(200) where id % ${modulus} = ${pick} returning 1)
     select count(*) from u`,
    DATABASE,
  );
  return Number(updated);
}

/** The skewed change's shape: the hot set's share of the loaded rows, and of the updates. */
export const SKEW = { hotShare: 0.05, hotUpdates: 0.9, percent: 1, appendPercent: 1 } as const;

/**
 * A day of uneven change: `SKEW.percent` % of the rows updated, nine in ten of them in a hot
 * set (the newest 5 % of each loaded partition: contiguous pages, as recent rows are), the
 * rest spread over the whole table; then `SKEW.appendPercent` % appended to a new partition.
 */
export async function updateSkewed(source: Source): Promise<{ updated: number; appended: number }> {
  const per = source.partitionRows;
  const hotRows = Math.max(1, Math.round(per * SKEW.hotShare));
  // Of the hot set, this share of rows (per 1000) is updated, so that the hot updates are
  // hotUpdates of all; the cold ones are one row in `coldModulus`.
  const hotPerMille = Math.min(
    1000,
    Math.round((SKEW.percent * SKEW.hotUpdates * 10) / SKEW.hotShare),
  );
  const coldModulus = Math.round(100 / (SKEW.percent * (1 - SKEW.hotUpdates)));
  const hot = `(id - 1) % ${per} >= ${per - hotRows} and id % 1000 < ${hotPerMille}`;
  const cold = `id % ${coldModulus} = ${(source.updates * 37 + 5) % coldModulus}`;
  source.updates += 1;
  const updated = await source.host.sql(
    `with u as (update bench_events set blob = gen_random_bytes(200)
       where id < ${per * PARTITIONS + 1} and ((${hot}) or (${cold})) returning 1)
     select count(*) from u`,
    DATABASE,
  );
  const appended = await appendRows(source, SKEW.appendPercent);
  return { updated: Number(updated), appended };
}
