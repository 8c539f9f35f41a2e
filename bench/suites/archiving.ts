// WAL archiving under pgbench write loads that keep every core busy: how many completed
// segments wait for archive_command (.ready files) and for how long, sampled four times a
// second, with the product's settings (archive-push one segment per call) and with
// asynchronous archiving on (a spool and process-max workers push ahead). Two loads:
// pgbench's own TPC-B-like transaction, and a bulk insert that writes WAL many times faster.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { writeServiceFile } from "../../src/local/host.ts";
import { jobCommand } from "../../src/local/lab/first-run.ts";
import type { PgHost } from "../../src/local/lab/pg-host.ts";
import type { Lab } from "../support/lab.ts";
import { archiveNow } from "../support/pg.ts";
import { round, type Summary, summarize } from "../support/stats.ts";

export interface ArchivingRun {
  name: string;
  title: string;
  /** tpcb: pgbench's own transaction; bulk: each transaction inserts 16 KB of random bytes. */
  load: "tpcb" | "bulk";
  seconds: number;
  tps: number;
  walMBps: number;
  /** Share of CPU time busy on the machine during the load (1 = every core). */
  cpuBusy: number;
  lagSegments: Summary;
  lagSeconds: Summary;
  /** After the load stopped, until every segment was archived. */
  drainSeconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Jiffies busy and total over all cores, from /proc/stat. */
function cpuTimes(): { busy: number; total: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((sum, v) => sum + v, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** Segments waiting for archive_command, and the age of the oldest, in seconds. */
function archiveBacklog(host: PgHost): { segments: number; oldestSeconds: number } {
  const status = join(host.pgdata, "pg_wal", "archive_status");
  const ready = readdirSync(status).filter((f) => /^[0-9A-F]{24}\.ready$/.test(f));
  let oldest = Date.now();
  for (const file of ready) {
    try {
      oldest = Math.min(oldest, statSync(join(status, file)).mtimeMs);
    } catch {
      // archived between the listing and the stat
    }
  }
  return { segments: ready.length, oldestSeconds: (Date.now() - oldest) / 1000 };
}

// gen_random_bytes gives at most 1024 bytes a call.
const BULK_SCRIPT =
  "insert into bench_bulk select gen_random_bytes(1024) from generate_series(1, 16);\n";

async function runLoad(
  lab: Lab,
  host: PgHost,
  load: ArchivingRun["load"],
  seconds: number,
): Promise<Omit<ArchivingRun, "name" | "title">> {
  const lsnBefore = await host.sql("select pg_current_wal_lsn()");
  const cpuBefore = cpuTimes();
  const cores = availableParallelism();
  const script = load === "bulk" ? ["--file", join(host.dir, "bulk.sql")] : [];
  // synchronous_commit off: the load is CPU-bound, not fsync-bound, and writes WAL fast.
  const pgbench = host.run(
    [
      "pgbench",
      "-n",
      "-c",
      String(4 * cores),
      "-j",
      String(cores),
      "-T",
      String(seconds),
      ...script,
      `--host=${host.socketDir}`,
      `--port=${host.port}`,
      "--username=postgres",
      "postgres",
    ],
    { env: { PGOPTIONS: "-c synchronous_commit=off" } },
  );
  let running = true;
  const stopped = () => {
    running = false;
  };
  pgbench.then(stopped, stopped);
  const segments: number[] = [];
  const ages: number[] = [];
  while (running) {
    const backlog = archiveBacklog(host);
    segments.push(backlog.segments);
    ages.push(backlog.oldestSeconds);
    await sleep(250);
  }
  const output = (await pgbench).stdout;
  const cpuAfter = cpuTimes();
  const walBytes = Number(
    await host.sql(`select pg_wal_lsn_diff(pg_current_wal_lsn(), '${lsnBefore}')`),
  );
  const drainStarted = performance.now();
  await archiveNow(host);
  lab.log(
    `  ${(walBytes / 1e6).toFixed(0)} MB of WAL; backlog max ${Math.max(...segments)} segments`,
  );
  return {
    load,
    seconds,
    tps: round(Number(/tps = ([\d.]+)/.exec(output)?.[1] ?? Number.NaN), 0),
    walMBps: round(walBytes / 1e6 / seconds, 1),
    cpuBusy: round((cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total), 2),
    lagSegments: summarize(segments, 1),
    lagSeconds: summarize(ages, 2),
    drainSeconds: round((performance.now() - drainStarted) / 1000, 2),
  };
}

/** A fresh server with `env`'s archiving settings, under both loads. */
async function runSetting(
  lab: Lab,
  name: string,
  title: string,
  env: Record<string, string>,
  seconds: number,
): Promise<ArchivingRun[]> {
  const host = await lab.host({ env });
  try {
    await lab.step(`${title}: initdb, start, stanza-create, pgbench -i`, async () => {
      await host.initdb();
      await host.start();
      await host.run(jobCommand(lab.manifestsDir, "pgbackrest-stanza-create-job.yaml"));
      await host.run([
        "pgbench",
        "-i",
        "-q",
        "-s",
        "20",
        `--host=${host.socketDir}`,
        `--port=${host.port}`,
        "--username=postgres",
        "postgres",
      ]);
      await host.sql("create extension pgcrypto; create table bench_bulk (blob bytea)");
      writeServiceFile(join(host.dir, "bulk.sql"), BULK_SCRIPT, 0o644);
      await archiveNow(host);
    });
    const runs: ArchivingRun[] = [];
    for (const load of ["tpcb", "bulk"] as const) {
      // The bulk load writes about 100 MB of WAL a second: 20 s show its backlog.
      const time = load === "bulk" ? Math.min(seconds, 20) : seconds;
      const run = await lab.step(
        `${title}: pgbench (${load}) for ${time}s, archive backlog sampled`,
        () => runLoad(lab, host, load, time),
      );
      runs.push({ name, title, ...run });
    }
    return runs;
  } finally {
    await lab.drop(host);
  }
}

export async function archiving(lab: Lab): Promise<ArchivingRun[]> {
  const seconds = lab.sizeGb >= 1 ? 60 : 20;
  const product = await runSetting(lab, "product", "product (archive-async off)", {}, seconds);
  const spool = lab.dir("spool");
  const async = await runSetting(
    lab,
    "async",
    "archive-async=y, process-max 2",
    { PGBACKREST_ARCHIVE_ASYNC: "y", PGBACKREST_SPOOL_PATH: spool },
    seconds,
  );
  return [...product, ...async];
}
