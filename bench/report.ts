// Renders docs/benchmarks.md from the bench's JSON: how it was measured, each target of
// the benchmark with its measured ratio and verdict (and for a miss, by how much and
// why, from the same run's figures), the tables behind them and the settings they argue
// for. Pure: the same JSON always gives the same document.

import type { ActionResult } from "./suites/action.ts";
import type { ArchivingRun } from "./suites/archiving.ts";
import type { BackupSuiteResult, VariantBackups } from "./suites/backup.ts";
import type { BotResult } from "./suites/bot.ts";
import type { LimitsResult } from "./suites/limits.ts";
import type { PitrCase } from "./suites/pitr.ts";
import type { ReplayPoint } from "./suites/replay.ts";
import type { RestoreEntry } from "./suites/restore.ts";
import type { ValidationResult } from "./suites/validation.ts";
import type { Machine } from "./support/machine.ts";

export const SUITES = [
  "limits",
  "backup",
  "restore",
  "pitr",
  "replay",
  "validation",
  "archiving",
  "bot",
  "action",
] as const;
export type SuiteName = (typeof SUITES)[number];

export interface BenchResults {
  schema: "mcpgov-backup/bench/v1";
  command: string;
  machine: Machine;
  sizeGb: number;
  coldCache: boolean;
  productSettings: Record<string, string>;
  dataset?: { rows: number; databaseBytes: number; pgdataBytes: number; loadSeconds: number };
  suites: {
    limits?: LimitsResult;
    backup?: BackupSuiteResult;
    restore?: RestoreEntry[];
    pitr?: PitrCase[];
    replay?: ReplayPoint[];
    validation?: ValidationResult;
    archiving?: ArchivingRun[];
    bot?: BotResult;
    action?: ActionResult;
  };
  suiteSeconds: Record<string, number>;
  errors: { suite: string; message: string }[];
  totalSeconds: number;
}

export interface Target {
  id: string;
  requirement: string;
  /** The measured figure as the table shows it. */
  measured: string;
  value: number | null;
  /** The bound, or null when the figure is only reported. */
  limit: number | null;
  /** Strictly below the bound (`<`) or at most (`≤`). */
  strict?: boolean;
  status: "pass" | "miss" | "report" | "not measured";
  /** A figure measured once earlier on this kind of machine, for comparison. */
  earlier?: string;
  /** For a miss: by how much and why; for a report: what it means. */
  note?: string;
}

// ── formatting ──────────────────────────────────────────────────────────────────────

export const seconds = (s: number) => `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
export const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;
export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e8 ? 1 : 0)} MB`;
export const times = (x: number) => `${x < 0.1 ? x.toFixed(3) : x.toFixed(2)}×`;
const pct = (x: number) => `${Math.round(x * 100)} %`;

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/** A target from a value and its bound: pass or miss, and for a miss by how much. */
function judge(base: Omit<Target, "status" | "note">, why: () => string): Target {
  if (base.value === null || !Number.isFinite(base.value))
    return { ...base, value: null, status: "not measured", measured: "—" };
  if (base.limit === null) return { ...base, status: "report", note: why() };
  const ok = base.strict ? base.value < base.limit : base.value <= base.limit;
  if (ok) return { ...base, status: "pass" };
  const over = base.value / base.limit - 1;
  return {
    ...base,
    status: "miss",
    note: `Missed by ${pct(over)} (${base.measured} against ${base.strict ? "<" : "≤"} ${base.limit}). ${why()}`,
  };
}

// ── targets ─────────────────────────────────────────────────────────────────────────

function variant(r: BenchResults, name: string): VariantBackups | undefined {
  return r.suites.backup?.variants.find((v) => v.variant === name);
}

function restoreOf(r: BenchResults, name: string): RestoreEntry | undefined {
  return r.suites.restore?.find((e) => e.name === name);
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? null : a / b;

export function targets(r: BenchResults): Target[] {
  const limits = r.suites.limits;
  const product = variant(r, "product");
  const defaults = variant(r, "defaults");
  const zstdBase = r.suites.backup?.baseBackups.find((b) => b.codec === "zstd");
  const cores = r.machine.cores;
  const list: Target[] = [];

  const fullVsRead = ratio(product?.full.seconds, limits?.readColdSeconds);
  list.push(
    judge(
      {
        id: "full-vs-read",
        requirement: "full backup ≤ 2.5× the raw sequential read of PGDATA",
        measured:
          fullVsRead === null
            ? "—"
            : `${times(fullVsRead)} (${seconds(product?.full.seconds ?? 0)} / ${seconds(limits?.readColdSeconds ?? 0)})`,
        value: fullVsRead,
        limit: 2.5,
        earlier: "3.5× (zst, 2 processes)",
      },
      () => {
        const l = limits as LimitsResult;
        const full = product?.full.seconds ?? 0;
        const bound =
          l.zstdSeconds > l.readColdSeconds
            ? `Compressing PGDATA with zstd -${l.zstdLevel ?? 3} on all ${cores} cores alone takes ${seconds(l.zstdSeconds)}, ${times(l.zstdSeconds / l.readColdSeconds)} the read: here the codec, not the disk, is the machine's limit, and no backup at that level can be faster than ${times(l.zstdSeconds / l.readColdSeconds)} the read.`
            : `The disk is the machine's limit here (${l.readColdMBps} MB/s cold).`;
        const incr = product?.incrAppended?.seconds;
        const fixed =
          incr === undefined
            ? ""
            : ` Part of every backup is fixed cost, not copying: an incr that copied almost nothing took ${seconds(incr)} (checkpoint, the manifest of every file, waiting for the last WAL segment in the archive).`;
        return `${bound} The product's full is ${times(full / l.limitSeconds)} that limit; beyond it go pgBackRest's SHA-1 of every file and its page-checksum check.${fixed}`;
      },
    ),
  );

  const repoVsBase = ratio(product?.full.repoBytes, zstdBase?.bytes);
  list.push(
    judge(
      {
        id: "repo-vs-basebackup",
        requirement: "full backup's repository ≤ 1.05× pg_basebackup's zstd archive",
        measured:
          repoVsBase === null
            ? "—"
            : `${times(repoVsBase)} (${mb(product?.full.repoBytes ?? 0)} / ${mb(zstdBase?.bytes ?? 0)})`,
        value: repoVsBase,
        limit: 1.05,
      },
      () =>
        `pgBackRest compresses every file on its own (each starts with an empty zstd window) while pg_basebackup compresses one tar stream, and the zstd archive also carries the WAL of the backup (pg_basebackup at zstd level 3, the product at ${r.productSettings["compress-level"] ?? "3"}).`,
    ),
  );

  const fullVsDefaults = ratio(product?.full.seconds, defaults?.full.seconds);
  list.push(
    judge(
      {
        id: "full-vs-defaults",
        requirement: "full backup ≤ 0.15× pgBackRest's out-of-the-box time",
        measured:
          fullVsDefaults === null
            ? "—"
            : `${times(fullVsDefaults)} (${seconds(product?.full.seconds ?? 0)} / ${seconds(defaults?.full.seconds ?? 0)})`,
        value: fullVsDefaults,
        limit: 0.15,
        earlier: "defaults 22× the read, product 3.5× (0.16×)",
      },
      () => {
        const d = defaults?.full.seconds ?? 0;
        if (!limits) return "The machine's limit was not measured in this run.";
        const floor = limits.limitSeconds / d;
        return `The defaults took ${seconds(d)}, close to gzip -6 on one core (${seconds(limits.gzipSeconds)} for PGDATA). The best any setting can do here is the machine's limit, ${seconds(limits.limitSeconds)}, which is ${times(floor)} the defaults: ${floor > 0.15 ? "0.15× is out of reach on this machine, because gzip on one core is not slow enough against zstd on all cores and the disk" : `the product is ${times((product?.full.seconds ?? 0) / limits.limitSeconds)} that limit`}.`;
      },
    ),
  );

  const incrAppended = ratio(product?.incrAppended?.seconds, product?.full.seconds);
  list.push(
    judge(
      {
        id: "incr-appended",
        requirement: "incr after 1 % of rows appended ≤ 0.05× a full backup",
        measured:
          incrAppended === null
            ? "—"
            : `${times(incrAppended)} (${seconds(product?.incrAppended?.seconds ?? 0)} / ${seconds(product?.full.seconds ?? 0)})`,
        value: incrAppended,
        limit: 0.05,
      },
      () => {
        const incr = product?.incrAppended;
        const full = product?.full;
        if (!incr || !full) return "";
        return `The incr stored ${mb(incr.repoBytes)}, ${times(incr.repoBytes / full.repoBytes)} the full's repository bytes, so copying is not what it spends its ${seconds(incr.seconds)} on: that is fixed cost (an immediate checkpoint, listing and comparing every file against the previous manifest, waiting for the backup's last WAL segment to be archived). It does not grow with the database, while the full does: at ${r.sizeGb} GiB the full takes only ${seconds(full.seconds)}, so the ratio shrinks on larger databases.`;
      },
    ),
  );

  const incrUpdated = ratio(product?.incrUpdated?.seconds, product?.full.seconds);
  list.push(
    judge(
      {
        id: "incr-updated",
        requirement: "incr after 1 % of rows updated uniformly (reported)",
        measured:
          incrUpdated === null
            ? "—"
            : `${times(incrUpdated)} (${seconds(product?.incrUpdated?.seconds ?? 0)}; ${mb(product?.incrUpdated?.repoBytes ?? 0)} stored)`,
        value: incrUpdated,
        limit: null,
        earlier: "0.79×",
      },
      () => {
        const block = variant(r, "block")?.incrUpdated;
        const measured = block
          ? ` With block incremental (repo1-bundle=y and repo1-block=y) the same incr took ${times(block.seconds / (variant(r, "block")?.full.seconds ?? 1))} its full and stored ${mb(block.repoBytes)} against ${mb(product?.incrUpdated?.repoBytes ?? 0)}.`
          : "";
        return `pgBackRest's incremental is file-level by default: a 1 % uniform update changes every data file (each 1 GB segment; here every partition), so the incr copies nearly all of them again. Block incremental stores only the changed blocks of a changed file (it still reads the whole file).${measured} What the product does: it keeps file-level incrementals, because ${r.machine.pgbackrest} (Debian 12, the local runner and the tests) marks block incremental "for beta testing only"; daily fulls with six-hourly diffs bound what an update-heavy day costs. See the recommendations for the image's newer pgBackRest.`;
      },
    ),
  );

  const appended = r.suites.pitr?.find((c) => c.drift === "appended");
  const updated = r.suites.pitr?.find((c) => c.drift === "updated");
  const deltaAppended = ratio(appended?.delta.totalSeconds, appended?.full.totalSeconds);
  list.push(
    judge(
      {
        id: "pitr-delta-appended",
        requirement:
          "in-place PITR with --delta after 1 % appended ≤ 0.5× a full restore (both until promoted)",
        measured:
          deltaAppended === null
            ? "—"
            : `${times(deltaAppended)} (${seconds(appended?.delta.totalSeconds ?? 0)} / ${seconds(appended?.full.totalSeconds ?? 0)})`,
        value: deltaAppended,
        limit: 0.5,
      },
      () => {
        const a = appended as PitrCase;
        return `--delta reads and checksums every file of PGDATA (one cold read takes ${limits ? seconds(limits.readColdSeconds) : "—"} here) and copies only those that differ: its restore phase took ${seconds(a.delta.restoreSeconds)} against ${seconds(a.full.restoreSeconds)} for writing everything; recovery replays the same ${mb(a.walBytes)} of WAL in both (${seconds(a.delta.promotedSeconds)} and ${seconds(a.full.promotedSeconds)}).`;
      },
    ),
  );
  const deltaUpdated = ratio(updated?.delta.totalSeconds, updated?.full.totalSeconds);
  list.push(
    judge(
      {
        id: "pitr-delta-updated",
        requirement: "in-place PITR with --delta after 1 % updated uniformly (reported)",
        measured:
          deltaUpdated === null
            ? "—"
            : `${times(deltaUpdated)} (${seconds(updated?.delta.totalSeconds ?? 0)} / ${seconds(updated?.full.totalSeconds ?? 0)})`,
        value: deltaUpdated,
        limit: null,
        earlier: "0.76×",
      },
      () =>
        "Every data file differs from the backup, so --delta reads each, finds it changed and restores it: the checksums are pure overhead and the WAL to replay is larger (full-page images of every touched page).",
    ),
  );

  const pgbr = restoreOf(r, "product");
  const bbZstd = restoreOf(r, "pg_basebackup-zstd");
  const restoreVsBase = ratio(pgbr?.totalSeconds, bbZstd?.totalSeconds);
  list.push(
    judge(
      {
        id: "restore-vs-basebackup",
        requirement:
          "full restore to a promoted server ≤ 0.7× untar-and-start of pg_basebackup's zstd archive",
        measured:
          restoreVsBase === null
            ? "—"
            : `${times(restoreVsBase)} (${seconds(pgbr?.totalSeconds ?? 0)} / ${seconds(bbZstd?.totalSeconds ?? 0)})`,
        value: restoreVsBase,
        limit: 0.7,
      },
      () => {
        const p = pgbr as RestoreEntry;
        const b = bbZstd as RestoreEntry;
        return `Both write and sync every file of the database. pgBackRest's restore took ${seconds(p.restoreSeconds)} with ${r.productSettings["process-max"] ?? "1"} processes against ${seconds(b.restoreSeconds)} for one zstd and one tar, and its recovery fetches the backup's WAL from the repository through archive-get: ${seconds(p.promotedSeconds)} from start to promoted, against ${seconds(b.promotedSeconds)} with the WAL already in pg_basebackup's archive. On ${cores} cores, decompression in parallel cannot gain more than ${cores}× over one stream, and the disk write is shared.`;
      },
    ),
  );

  const v = r.suites.validation;
  const validationRatio = ratio(v?.totalSeconds, v?.bare.totalSeconds);
  list.push(
    judge(
      {
        id: "validation",
        requirement: "restore validation ≤ 1.3× the bare restore-and-recover",
        measured:
          validationRatio === null
            ? "—"
            : `${times(validationRatio)} (${seconds(v?.totalSeconds ?? 0)} / ${seconds(v?.bare.totalSeconds ?? 0)})`,
        value: validationRatio,
        limit: 1.3,
      },
      () => {
        const phases = (v as ValidationResult).phases
          .map((p) => `${p.name} ${seconds(p.seconds)}`)
          .join(", ");
        return `Phases: ${phases}. The checks phase is pg_amcheck over every table and index, which reads every page of the restored database once more; the restore and recovery phases (the report's RTO, ${(v as ValidationResult).rtoSeconds ?? "—"} s) compare with the bare ${seconds((v as ValidationResult).bare.totalSeconds)}, the difference being how often the script looks whether recovery has ended.`;
      },
    ),
  );

  list.push(
    archiveTarget(
      r,
      "tpcb",
      "archive lag < 2 segments under a pgbench load on all cores (p95 of samples)",
      2,
    ),
    archiveTarget(
      r,
      "bulk",
      "archive lag under a bulk-insert pgbench load, 16 KB a transaction (reported)",
      null,
    ),
  );

  const b = r.suites.bot;
  list.push(
    judge(
      {
        id: "bot-latency",
        requirement: "bot webhook → Job created p95 < 200 ms",
        measured: b
          ? `${ms(b.jobCreatedMs.p95)} p95 (p50 ${ms(b.jobCreatedMs.p50)}, max ${ms(b.jobCreatedMs.max)})`
          : "—",
        value: b?.jobCreatedMs.p95 ?? null,
        limit: 200,
        strict: true,
      },
      () =>
        "The bot's own path (signature check, its operation record, reaction, policy, permission, status comment, lock) before the Job create request.",
    ),
  );

  const a = r.suites.action;
  list.push(
    judge(
      {
        id: "action-cold-start",
        requirement: "Action bundle cold start < 1 s (median)",
        measured: a
          ? `${seconds(a.coldStartSeconds.p50)} (max ${seconds(a.coldStartSeconds.max)})`
          : "—",
        value: a?.coldStartSeconds.p50 ?? null,
        limit: 1,
        strict: true,
      },
      () =>
        "Node loads and compiles the whole bundle (the Kubernetes client and Octokit) before reading the first input.",
    ),
  );
  list.push(
    judge(
      {
        id: "action-local-run",
        requirement: "deploy + verify + backup + validate on the local runner < 2 min",
        measured: a ? `${seconds(a.wallSeconds)}${a.ok ? "" : " (failed)"}` : "—",
        value: a ? (a.ok ? a.wallSeconds : Number.POSITIVE_INFINITY) : null,
        limit: 120,
        strict: true,
      },
      () =>
        a?.ok
          ? `Steps: ${a.steps.map((s) => `${s.name} ${seconds(s.seconds)}`).join(", ")}; the rest is starting and stopping the local cluster runner.`
          : "The Action failed; see the bench's log.",
    ),
  );
  return list;
}

/** The archive backlog under one load, with the product's settings and with archive-async. */
function archiveTarget(
  r: BenchResults,
  load: ArchivingRun["load"],
  requirement: string,
  limit: number | null,
): Target {
  const run = (name: string) => r.suites.archiving?.find((a) => a.name === name && a.load === load);
  const lag = run("product");
  const asyncRun = run("async");
  return judge(
    {
      id: `archive-lag-${load}`,
      requirement,
      measured: lag
        ? `${lag.lagSegments.p95} segments p95, ${lag.lagSegments.max} max; ${seconds(lag.lagSeconds.p95)} p95`
        : "—",
      value: lag?.lagSegments.p95 ?? null,
      limit,
      strict: true,
    },
    () => {
      const l = lag as ArchivingRun;
      return `The load wrote ${l.walMBps} MB/s of WAL, a segment every ${seconds(16 / l.walMBps)}; archive_command starts one pgbackrest archive-push per segment, which compresses and stores it while PostgreSQL and pgbench hold the ${r.machine.cores} cores (${pct(l.cpuBusy)} busy).${asyncRun ? ` With archive-async=y: ${asyncRun.lagSegments.p95} segments p95 (max ${asyncRun.lagSegments.max}) at ${asyncRun.walMBps} MB/s.` : ""}`;
    },
  );
}

// ── recommendations ─────────────────────────────────────────────────────────────────

export function recommendations(r: BenchResults): string[] {
  const out: string[] = [];
  const backup = r.suites.backup;
  const product = variant(r, "product");
  const zstdBase = backup?.baseBackups.find((b) => b.codec === "zstd");
  if (backup && product) {
    const sizeBound = zstdBase ? zstdBase.bytes * 1.05 : product.full.repoBytes * 1.05;
    const eligible = backup.variants
      .filter((v) => v.full.repoBytes <= Math.max(sizeBound, product.full.repoBytes))
      .sort((x, y) => x.full.seconds - y.full.seconds);
    const best = eligible[0];
    if (best && best.variant !== "product" && best.full.seconds < product.full.seconds * 0.9) {
      out.push(
        `**compress settings: change to ${best.title}.** Its full backup took ${seconds(best.full.seconds)} against the product's ${seconds(product.full.seconds)} (${times(best.full.seconds / product.full.seconds)}) for a repository of ${mb(best.full.repoBytes)} against ${mb(product.full.repoBytes)}.`,
      );
    } else {
      const others = backup.variants
        .filter((v) => v.variant !== "product")
        .map((v) => `${v.title}: ${seconds(v.full.seconds)}, ${mb(v.full.repoBytes)}`)
        .join("; ");
      out.push(
        `**${product.title}: keep.** Its full took ${seconds(product.full.seconds)} for ${mb(product.full.repoBytes)}; no other setting was more than 10 % faster within the size bound (${others}).`,
      );
    }
    const p1 = variant(r, "one-process");
    if (p1)
      out.push(
        `**process-max=${r.machine.cores}:** one process took ${seconds(p1.full.seconds)}, ${times(p1.full.seconds / product.full.seconds)} the product's two; on ${r.machine.cores} cores more processes than cores only contend with PostgreSQL.`,
      );
  }
  const archiving = r.suites.archiving;
  const sync = archiving?.find((a) => a.name === "product" && a.load === "bulk");
  const async = archiving?.find((a) => a.name === "async" && a.load === "bulk");
  const replay = r.suites.replay;
  const largest = replay?.filter((p) => !p.archiveAsync).at(-1);
  const largestAsync = replay?.find((p) => p.archiveAsync);
  const syncTpcb = archiving?.find((a) => a.name === "product" && a.load === "tpcb");
  const asyncTpcb = archiving?.find((a) => a.name === "async" && a.load === "tpcb");
  if (sync && async) {
    const lagGain = sync.lagSegments.p95 >= 2 && async.lagSegments.p95 < 0.7 * sync.lagSegments.p95;
    // Its workers share the cores with PostgreSQL: a throughput loss under the ordinary
    // load weighs against a gain only a bulk load shows.
    const tpsCost =
      syncTpcb && asyncTpcb && syncTpcb.tps > 0 ? 1 - asyncTpcb.tps / syncTpcb.tps : 0;
    const tpcb =
      syncTpcb && asyncTpcb
        ? ` Under pgbench's TPC-B the backlog was ${syncTpcb.lagSegments.p95} segments p95 without it and ${asyncTpcb.lagSegments.p95} with it, at ${Math.round(syncTpcb.tps)} and ${Math.round(asyncTpcb.tps)} TPS.`
        : "";
    const change = (from: number, to: number) =>
      to < from ? "cut" : to > from ? "raised" : "left";
    const pushVerdict =
      lagGain && tpsCost < 0.1
        ? `**archive-async=y for archive-push: adopt.** Under the bulk-insert load the archive backlog was ${async.lagSegments.p95} segments p95 (max ${async.lagSegments.max}) against ${sync.lagSegments.p95} (max ${sync.lagSegments.max}) without it.${tpcb} A segment counts as archived once it is in the spool's acknowledgement, so archive-push-queue-max must stay unset to never drop WAL.`
        : `**archive-async for archive-push: keep off.** Under the bulk-insert load it ${change(sync.lagSegments.p95, async.lagSegments.p95)} the backlog from ${sync.lagSegments.p95} segments p95 (max ${sync.lagSegments.max}) to ${async.lagSegments.p95} (max ${async.lagSegments.max}).${tpcb}${lagGain ? ` That gain does not pay for ${Math.round(tpsCost * 100)} % less throughput under the ordinary load, where archiving keeps up without it.` : " No gain worth a spool and workers that share the cores with PostgreSQL."}`;
    out.push(pushVerdict);
    if (largest && largestAsync) {
      const gain = largestAsync.promotedSeconds / largest.promotedSeconds;
      out.push(
        gain < 0.9
          ? `**archive-async=y for archive-get: adopted in the PostgreSQL pod** (postgres-host.conf, spool on an emptyDir), where every restore recovers. Replaying ${mb(largest.walBytes)} took ${seconds(largestAsync.promotedSeconds)} with it against ${seconds(largest.promotedSeconds)} fetching one segment per call (${times(gain)}). The restore and PITR tables here run the host configuration, which fetches one segment per call: on the cluster, recovery is faster than they show.`
          : `**archive-async for archive-get: no gain here.** Replaying ${mb(largest.walBytes)} took ${seconds(largestAsync.promotedSeconds)} with it against ${seconds(largest.promotedSeconds)} without; the PostgreSQL pod has it on (postgres-host.conf), and this run does not argue for keeping it.`,
      );
    }
  }
  const bundle = variant(r, "bundle");
  if (product && bundle) {
    const gain = (x?: { seconds: number }, y?: { seconds: number }) =>
      x && y ? times(x.seconds / y.seconds) : "—";
    const faster =
      bundle.full.seconds < product.full.seconds * 0.9 ||
      (bundle.incrAppended?.seconds ?? Number.POSITIVE_INFINITY) <
        (product.incrAppended?.seconds ?? 0) * 0.9;
    out.push(
      `**repo1-bundle=y: ${faster ? "adopt" : "no measurable gain here"}.** It packs small files into one repository file: full ${gain(bundle.full, product.full)}, incr after the append ${gain(bundle.incrAppended, product.incrAppended)}, incr after the update ${gain(bundle.incrUpdated, product.incrUpdated)} the product's time (a stable option since pgBackRest 2.39; it is also what block incremental needs). It matters more on S3, where every file is a request.`,
    );
  }
  const block = variant(r, "block");
  if (product?.incrUpdated && block?.incrUpdated) {
    out.push(
      `**Block incremental (repo1-block=y): not on 2.45; consider it for the image's pgBackRest 2.57.0.** After 1 % of rows updated uniformly the product's incr took ${seconds(product.incrUpdated.seconds)} and stored ${mb(product.incrUpdated.repoBytes)}; with block incremental ${seconds(block.incrUpdated.seconds)} and ${mb(block.incrUpdated.repoBytes)}. 2.45 marks it "for beta testing only", and the shared pgbackrest.conf must work on 2.45 (local runner, tests, Debian 12 VMs); check the image version's release notes before turning it on there.`,
    );
  }
  return out;
}

// ── the document ────────────────────────────────────────────────────────────────────

const badge: Record<Target["status"], string> = {
  pass: "✅ pass",
  miss: "❌ miss",
  report: "ℹ️ reported",
  "not measured": "— not measured",
};

export function renderReport(r: BenchResults): string {
  const m = r.machine;
  const list = targets(r);
  const lines: string[] = [];
  const push = (...text: string[]) => lines.push(...text);
  push(
    "# Benchmarks",
    "",
    "<!-- Generated by `npm run bench` (bench/report.ts from docs/benchmarks.json). Do not edit by hand: run the bench again. -->",
    "",
    `How fast mcpgov-backup backs up, restores and validates on one machine, against the alternatives and the machine's limit. Every ratio compares figures of the same run; the raw figures are in [benchmarks.json](benchmarks.json).`,
    "",
    "## How this was measured",
    "",
    `- Command: \`${r.command}\` (${seconds(r.totalSeconds)} in all); ${m.date}.`,
    `- Machine: ${m.os}; ${m.cores} cores (${m.cpu}); ${m.ramGiB} GiB RAM; disk ${m.disk}.`,
    `- Software: ${m.postgresql}; ${m.pgbackrest}; Node.js ${m.node}.`,
    r.dataset
      ? `- Database: ${r.dataset.rows.toLocaleString("en")} rows, ${mb(r.dataset.databaseBytes)} (PGDATA ${mb(r.dataset.pgdataBytes)}; asked for ${r.sizeGb} GiB), one table range-partitioned into eight, each row ~200 bytes of repetitive text and ~200 random bytes (about half compressible); page checksums on. "1 % appended" inserts 1 % more rows into a new partition (as a time-partitioned log grows); "1 % updated" updates 1 % of the rows chosen uniformly, so every data file changes.`
      : `- Database: not generated in this run (asked for ${r.sizeGb} GiB).`,
    `- PostgreSQL and pgBackRest run on this machine as the postgres user, configured from manifests/ (postgres-config.yaml, pgbackrest-config.yaml); backups use the CronJobs' own command lines. The product's settings: ${Object.entries(
      r.productSettings,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(
        ", ",
      )}. Repository and database share one disk and there is no TLS hop between hosts, as there is in the cluster.`,
    `- ${r.coldCache ? "The page cache is dropped before every timed backup, restore and read, so each reads from the disk." : "The page cache was kept warm (--warm-cache)."}`,
    "",
  );
  if (r.errors.length > 0) {
    push("**Suites that failed in this run:**", "");
    for (const e of r.errors) push(`- ${e.suite}: ${e.message.split("\n")[0]}`);
    push("");
  }
  push(
    "## Targets",
    "",
    table(
      ["Target", "Measured", "Result", "Earlier single measurement"],
      list.map((t) => [t.requirement, t.measured, badge[t.status], t.earlier ?? ""]),
    ),
    "",
  );
  const noted = list.filter((t) => t.note && (t.status === "miss" || t.status === "report"));
  if (noted.length > 0) {
    push("### Misses and reported figures, and why", "");
    for (const t of noted) push(`- **${t.requirement}** — ${t.note}`);
    push("");
  }
  const recs = recommendations(r);
  if (recs.length > 0) {
    push("## Recommended product settings", "", "From this run's figures:", "");
    for (const rec of recs) push(`- ${rec}`);
    push("");
  }
  push(...details(r));
  return `${lines.join("\n").trimEnd()}\n`;
}

function details(r: BenchResults): string[] {
  const out: string[] = [];
  const l = r.suites.limits;
  if (l) {
    out.push(
      "## The machine's limit",
      "",
      table(
        ["Measure", "Time", "Throughput", "Output"],
        [
          [
            "Sequential read of PGDATA, cold cache",
            seconds(l.readColdSeconds),
            `${l.readColdMBps} MB/s`,
            mb(l.pgdataBytes),
          ],
          [
            "Sequential read of PGDATA, warm cache",
            seconds(l.readWarmSeconds),
            `${(l.pgdataBytes / 1e6 / l.readWarmSeconds).toFixed(0)} MB/s`,
            "",
          ],
          [
            `zstd -${l.zstdLevel ?? 3} on ${l.cores} cores (tar of PGDATA, cached)`,
            seconds(l.zstdSeconds),
            `${l.zstdMBps} MB/s`,
            `${mb(l.zstdBytes)} (${times(l.zstdBytes / l.pgdataBytes)})`,
          ],
          [
            "gzip -6 on one core (pgBackRest's default codec)",
            seconds(l.gzipSeconds),
            `${l.gzipMBps} MB/s`,
            `${mb(l.gzipBytes)} (${times(l.gzipBytes / l.pgdataBytes)})`,
          ],
        ],
      ),
      "",
      `The limit for a zstd backup is the slower of reading and compressing: ${seconds(l.limitSeconds)}.`,
      "",
    );
  }
  const b = r.suites.backup;
  if (b) {
    const read = l?.readColdSeconds;
    const base = b.baseBackups.find((x) => x.codec === "zstd")?.bytes;
    const cell = (x: { seconds: number; repoBytes: number } | undefined) =>
      x ? `${seconds(x.seconds)}, ${mb(x.repoBytes)}` : "—";
    out.push(
      "## Backups",
      "",
      `Full backups of the same database; then incr and diff after ${b.appendedRows.toLocaleString("en")} rows appended (1 %), and incr after ${b.updatedRows.toLocaleString("en")} rows updated uniformly (1 %). Sizes are what each backup added to its repository (WAL not counted).`,
      "",
      table(
        [
          "Setting",
          "Full",
          "× read",
          "Repository",
          "× pg_basebackup zstd",
          "incr, appended",
          "diff, appended",
          "incr, updated",
        ],
        [
          ...b.variants.map((v) => [
            v.title,
            seconds(v.full.seconds),
            read ? times(v.full.seconds / read) : "—",
            mb(v.full.repoBytes),
            base ? times(v.full.repoBytes / base) : "—",
            cell(v.incrAppended),
            cell(v.diffAppended),
            cell(v.incrUpdated),
          ]),
          ...b.baseBackups.map((x) => [
            `pg_basebackup --compress=${x.compress}`,
            seconds(x.seconds),
            read ? times(x.seconds / read) : "—",
            mb(x.bytes),
            base ? times(x.bytes / base) : "—",
            "n/a",
            "n/a",
            "n/a",
          ]),
        ],
      ),
      "",
    );
  }
  const restores = r.suites.restore;
  if (restores) {
    const base = restores.find((e) => e.name === "pg_basebackup-zstd")?.totalSeconds;
    out.push(
      "## Restores",
      "",
      "Into an empty data directory, then PostgreSQL started with archiving off: consistent is when it accepts connections, promoted when it accepts writes (times from the start).",
      "",
      table(
        ["From", "Restore", "Consistent", "Promoted", "Total", "× pg_basebackup zstd"],
        restores.map((e) => [
          e.title,
          seconds(e.restoreSeconds),
          seconds(e.consistentSeconds),
          seconds(e.promotedSeconds),
          seconds(e.totalSeconds),
          base ? times(e.totalSeconds / base) : "—",
        ]),
      ),
      "",
    );
  }
  const pitr = r.suites.pitr;
  if (pitr) {
    out.push(
      "## In-place point-in-time restore",
      "",
      "The PITR Job's own arguments (`--delta --type=time --target-action=promote`) on the stopped database's data directory, 1 % drifted since the full backup, against a full restore to the same target into an empty directory.",
      "",
      table(
        [
          "Drift",
          "WAL to replay",
          "Delta: restore",
          "Delta: promoted",
          "Delta total",
          "Full: restore",
          "Full: promoted",
          "Full total",
          "Delta / full",
        ],
        pitr.map((c) => [
          `1 % ${c.drift} (${c.changedRows.toLocaleString("en")} rows)`,
          mb(c.walBytes),
          seconds(c.delta.restoreSeconds),
          seconds(c.delta.promotedSeconds),
          seconds(c.delta.totalSeconds),
          seconds(c.full.restoreSeconds),
          seconds(c.full.promotedSeconds),
          seconds(c.full.totalSeconds),
          times(c.delta.totalSeconds / c.full.totalSeconds),
        ]),
      ),
      "",
    );
  }
  const replay = r.suites.replay;
  if (replay) {
    out.push(
      "## Point-in-time restore against the WAL to replay",
      "",
      "One full backup, then uniform updates until each amount of WAL; each target restored into an empty directory. Recovery is from the server's start until it accepts writes.",
      "",
      table(
        ["WAL to replay", "archive-get", "Restore", "Recovery", "Total", "Replay rate"],
        replay.map((p) => [
          mb(p.walBytes),
          p.archiveAsync ? "async (archive-async=y)" : "one segment per call",
          seconds(p.restoreSeconds),
          seconds(p.promotedSeconds),
          seconds(p.totalSeconds),
          `${p.replayMBps} MB/s`,
        ]),
      ),
      "",
    );
  }
  const v = r.suites.validation;
  if (v) {
    out.push(
      "## Restore validation",
      "",
      `scripts/restore-validation.sh as the weekly CronJob runs it (status: ${v.status}), against a bare \`pgbackrest restore\` of the same backup started until promoted (${seconds(v.bare.totalSeconds)}: restore ${seconds(v.bare.restoreSeconds)}, recovery ${seconds(v.bare.promotedSeconds)}).`,
      "",
      table(
        ["Phase", "Seconds", "Share"],
        [
          ...v.phases.map((p) => [p.name, seconds(p.seconds), pct(p.seconds / v.totalSeconds)]),
          [
            "total (wall)",
            seconds(v.totalSeconds),
            `${times(v.totalSeconds / v.bare.totalSeconds)} the bare restore`,
          ],
        ],
      ),
      "",
      `Checks: ${v.checks.map((c) => `${c.name} (${c.result})`).join(", ")}.`,
      "",
    );
  }
  const archiving = r.suites.archiving;
  if (archiving) {
    out.push(
      "## WAL archiving under load",
      "",
      "pgbench (scale 20, synchronous_commit off, four clients per core) on a fresh server configured from the manifests, first its own TPC-B-like transaction, then a bulk insert of 16 KB of random bytes a transaction; the backlog is the number of .ready files in pg_wal/archive_status and the age of the oldest, sampled every 250 ms.",
      "",
      table(
        [
          "Setting",
          "Load",
          "TPS",
          "WAL",
          "CPU busy",
          "Backlog p50 / p95 / max",
          "Oldest waiting p50 / p95 / max",
          "Drain after load",
        ],
        archiving.map((a) => [
          a.title,
          `${a.load === "tpcb" ? "pgbench TPC-B" : "bulk insert, 16 KB a transaction"}, ${seconds(a.seconds)}`,
          a.tps,
          `${a.walMBps} MB/s`,
          pct(a.cpuBusy),
          `${a.lagSegments.p50} / ${a.lagSegments.p95} / ${a.lagSegments.max} segments`,
          `${seconds(a.lagSeconds.p50)} / ${seconds(a.lagSeconds.p95)} / ${seconds(a.lagSeconds.max)}`,
          seconds(a.drainSeconds),
        ]),
      ),
      "",
    );
  }
  const bot = r.suites.bot;
  if (bot) {
    out.push(
      "## The bot",
      "",
      `A real Probot server on loopback, signed issue_comment webhooks for \`/backup full\` one after another (${bot.webhooks} measured after five to warm up). The cluster is the bot tests' in-memory fake and GitHub's API is answered in-process, so the figures are the bot's own: a real cluster and GitHub add their round trips.`,
      "",
      table(
        ["Measure", "p50", "p95", "max"],
        [
          [
            "webhook → Job create request",
            ms(bot.jobCreatedMs.p50),
            ms(bot.jobCreatedMs.p95),
            ms(bot.jobCreatedMs.max),
          ],
          [
            "webhook → HTTP answer",
            ms(bot.answeredMs.p50),
            ms(bot.answeredMs.p95),
            ms(bot.answeredMs.max),
          ],
        ],
      ),
      "",
      `A burst of ${bot.burst.commands} commands at once: all handled in ${seconds(bot.burst.seconds)} (${bot.burst.jobsCreated} got the lock and a Job; the rest were told a backup is running). Resident memory of the process ${bot.burst.rssBeforeMB} MB before, ${bot.burst.rssPeakMB} MB at the peak, ${bot.burst.rssAfterMB} MB after; JavaScript heap peak ${bot.burst.heapPeakMB} MB.`,
      "",
    );
  }
  const a = r.suites.action;
  if (a) {
    out.push(
      "## The Action",
      "",
      `Cold start: node on dist/index.js with no operations, which stops at the first input check: median ${seconds(a.coldStartSeconds.p50)}, max ${seconds(a.coldStartSeconds.max)} over ${a.coldStartSeconds.n} runs.`,
      "",
      `\`operations: ${a.operations}\` with \`cluster: local\` (the database the manifests deploy): ${seconds(a.wallSeconds)} wall, ${seconds(a.operationsSeconds)} in the operations (${a.steps.map((s) => `${s.name} ${seconds(s.seconds)}`).join(", ")}); ${a.ok ? "succeeded" : "failed"}.`,
      "",
    );
  }
  out.push(
    "## Suite durations",
    "",
    table(
      ["Suite", "Seconds"],
      Object.entries(r.suiteSeconds).map(([name, s]) => [name, seconds(s)]),
    ),
    "",
  );
  return out;
}
