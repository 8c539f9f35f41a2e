// Each target of the benchmark with its measured ratio and verdict; for a miss, by how
// much and why, from the same run's figures. The targets are one table, TARGETS, a row a
// target in the order the report lists them; judge() evaluates a row against a run.
import type { ActionResult } from "../suites/action.ts";
import type { ArchivingRun } from "../suites/archiving.ts";
import type { LimitsResult } from "../suites/limits.ts";
import type { PitrCase } from "../suites/pitr.ts";
import type { RestoreEntry } from "../suites/restore.ts";
import type { ScalingPoint } from "../suites/scaling.ts";
import type { ValidationResult } from "../suites/validation.ts";
import { AIMS } from "./aims.ts";
import {
  type BenchResults,
  gib,
  mb,
  ms,
  pct,
  ratio,
  seconds,
  type Target,
  times,
} from "./results.ts";
import { judge, lookUp, type Run, ratioFigure, type TargetRow } from "./target-row.ts";

export function targets(r: BenchResults): Target[] {
  const run = lookUp(r);
  return TARGETS.map((row) => judge(row, run));
}

/** The archive backlog under one load, with the product's settings and with archive-async. */
function archiveLag(
  load: ArchivingRun["load"],
  requirement: string,
  limit: number | null,
): TargetRow {
  const find = ({ r }: Run, name: string) =>
    r.suites.archiving?.find((a) => a.name === name && a.load === load);
  return {
    id: `archive-lag-${load}`,
    requirement,
    limit,
    strict: true,
    figure: (run) => {
      const lag = find(run, "product");
      if (!lag) return undefined;
      return {
        value: lag.lagSegments.p95,
        measured: `${lag.lagSegments.p95} segments p95, ${lag.lagSegments.max} max; ${seconds(lag.lagSeconds.p95)} p95`,
      };
    },
    why: (run) => {
      const l = find(run, "product") as ArchivingRun;
      const asyncRun = find(run, "async");
      return `The load wrote ${l.walMBps} MB/s of WAL, a segment every ${seconds(16 / l.walMBps)}; archive_command starts one pgbackrest archive-push per segment, which compresses and stores it while PostgreSQL and pgbench hold the ${run.cores} cores (${pct(l.cpuBusy)} busy).${asyncRun ? ` With archive-async=y: ${asyncRun.lagSegments.p95} segments p95 (max ${asyncRun.lagSegments.max}) at ${asyncRun.walMBps} MB/s.` : ""}`;
    },
  };
}

/**
 * Where an incr's time goes besides copying, from the scaling suite's incrs with nothing
 * changed: with the product's settings, with --no-delta and with --delta.
 */
function idleIncrs(r: BenchResults, p: ScalingPoint): string {
  const delta = r.productSettings.delta === "y";
  const checksums = p.incrIdleDelta.seconds - p.incrIdleNoDelta.seconds;
  const fixed =
    "an immediate checkpoint, the manifest of every file, waiting for the last WAL segment in the archive";
  return `At ${gib(p.sizeGb)} an incr with nothing changed took ${seconds(p.incrIdle.seconds)} with the product's settings (${delta ? "delta=y: checksums" : "sizes and timestamps"}), ${seconds(p.incrIdleNoDelta.seconds)} with --no-delta and ${seconds(p.incrIdleDelta.seconds)} with --delta${checksums > 0.1 * p.incrIdleDelta.seconds ? `: checksumming every file of PGDATA (${mb(p.pgdataBytes)}) costs ${seconds(checksums)}, and grows with the database${delta ? "; the product pays it on every backup" : "; the product leaves it to restores"}; the rest (${fixed}) does not` : `: checksums are not where its time goes; it is fixed cost (${fixed})`}.`;
}

/** The setting whose incr after 1 % updated stored the least against its own full. */
/** Variants that set repo1-block-size-map, which pgBackRest reserves for internal use. */
const internalOnly = (variant: string) => /^block-\d+k$/.test(variant);

function leanestUpdatedIncr({ r }: Run) {
  return (r.suites.backup?.variants ?? [])
    .filter((v) => v.incrUpdated && !internalOnly(v.variant))
    .map((v) => ({
      v,
      share: (v.incrUpdated?.repoBytes ?? 0) / v.full.repoBytes,
    }))
    .sort((a, b) => a.share - b.share)[0];
}

const TARGETS: TargetRow[] = [
  {
    id: "full-vs-read",
    requirement: "full backup ≤ 2.5× the raw sequential read of PGDATA",
    limit: 2.5,
    earlier: "3.5× (zst, 2 processes)",
    figure: ({ product, limits }) => ratioFigure(product?.full.seconds, limits?.readColdSeconds),
    why: ({ product, cores, limits }) => {
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
  },
  {
    id: "repo-vs-basebackup",
    requirement: "full backup's repository ≤ 1.05× pg_basebackup's zstd archive",
    limit: 1.05,
    figure: ({ product, zstdBase }) => ratioFigure(product?.full.repoBytes, zstdBase?.bytes, mb),
    why: ({ r }) =>
      `pgBackRest compresses every file on its own (each starts with an empty zstd window) while pg_basebackup compresses one tar stream, and the zstd archive also carries the WAL of the backup (pg_basebackup at zstd level 3, the product at ${r.productSettings["compress-level"] ?? "3"}).`,
  },
  {
    id: "full-vs-defaults",
    requirement: "full backup ≤ 0.15× pgBackRest's out-of-the-box time",
    limit: 0.15,
    earlier: "defaults 22× the read, product 3.5× (0.16×)",
    // Like with like: the product's settings measured as the defaults are.
    figure: ({ like, defaults }) => ratioFigure(like?.full.seconds, defaults?.full.seconds),
    why: ({ like: product, defaults, limits }) => {
      const d = defaults?.full.seconds ?? 0;
      if (!limits) return "The machine's limit was not measured in this run.";
      const floor = limits.limitSeconds / d;
      return `The defaults took ${seconds(d)}, close to gzip -6 on one core (${seconds(limits.gzipSeconds)} for PGDATA). The best any setting can do here is the machine's limit, ${seconds(limits.limitSeconds)}, which is ${times(floor)} the defaults: ${floor > 0.15 ? "0.15× is out of reach on this machine, because gzip on one core is not slow enough against zstd on all cores and the disk" : `the product is ${times((product?.full.seconds ?? 0) / limits.limitSeconds)} that limit`}.`;
    },
  },
  {
    id: "incr-appended",
    requirement: "incr after 1 % of rows appended ≤ 0.05× a full backup",
    limit: 0.05,
    figure: ({ product }) => ratioFigure(product?.incrAppended?.seconds, product?.full.seconds),
    why: ({ product, r, largest }) => {
      const incr = product?.incrAppended;
      const full = product?.full;
      if (!incr || !full) return "";
      return `The incr stored ${mb(incr.repoBytes)}, ${times(incr.repoBytes / full.repoBytes)} the full's repository bytes, so copying is not what it spends its ${seconds(incr.seconds)} on. ${largest ? idleIncrs(r, largest) : "Its time is fixed cost (an immediate checkpoint, the manifest of every file, waiting for the backup's last WAL segment to be archived)."} At ${r.sizeGb} GiB the full takes only ${seconds(full.seconds)}; see the scaling targets for how the two grow.`;
    },
  },
  {
    id: "incr-appended-flat",
    requirement:
      "incr after 1 % of rows appended costs about the same at every size: ≤ 1.5× from the smallest to the largest size",
    limit: 1.5,
    figure: ({ smallest, largest }) => {
      if (!smallest || !largest || smallest === largest) return undefined;
      const value = largest.incrAppended.seconds / smallest.incrAppended.seconds;
      return {
        value,
        measured: `${times(value)} (${seconds(smallest.incrAppended.seconds)} at ${gib(smallest.sizeGb)}, ${seconds(largest.incrAppended.seconds)} at ${gib(largest.sizeGb)}); the full ${times(largest.full.seconds / smallest.full.seconds)} (${seconds(smallest.full.seconds)}, ${seconds(largest.full.seconds)})`,
      };
    },
    why: ({ r, smallest, largest }) => {
      const s = smallest as ScalingPoint;
      const l = largest as ScalingPoint;
      return `The data grew ${times(l.databaseBytes / s.databaseBytes)} and the full's time ${times(l.full.seconds / s.full.seconds)}; the incr stored ${mb(s.incrAppended.repoBytes)} and ${mb(l.incrAppended.repoBytes)} (the new partition), so copying does not explain its growth. ${idleIncrs(r, s)} ${idleIncrs(r, l)}`;
    },
  },
  {
    id: "incr-appended-largest",
    requirement: "incr after 1 % of rows appended at the largest size ≤ 0.15× the full's time",
    limit: 0.15,
    figure: ({ largest }) =>
      largest && ratioFigure(largest.incrAppended.seconds, largest.full.seconds),
    why: ({ r, largest }) => {
      const l = largest as ScalingPoint;
      return `At ${gib(l.sizeGb)} the incr stored ${mb(l.incrAppended.repoBytes)} against the full's ${mb(l.full.repoBytes)}. ${idleIncrs(r, l)}`;
    },
  },
  {
    id: "incr-updated",
    requirement: "incr after 1 % of rows updated uniformly (reported)",
    limit: null,
    earlier: "0.79×",
    figure: ({ product }) => {
      const incr = product?.incrUpdated;
      const value = ratio(incr?.seconds, product?.full.seconds);
      if (!incr || value === null) return undefined;
      return {
        value,
        measured: `${times(value)} (${seconds(incr.seconds)}; ${mb(incr.repoBytes)} stored)`,
      };
    },
    why: ({ product, r }) => {
      const blocks = (r.suites.backup?.variants ?? [])
        .filter((v) => v.variant.startsWith("block") && v.incrUpdated)
        .map(
          (v) =>
            `${v.title}: ${seconds(v.incrUpdated?.seconds ?? 0)}, ${mb(v.incrUpdated?.repoBytes ?? 0)} (${times((v.incrUpdated?.repoBytes ?? 0) / v.full.repoBytes)} its full)`,
        );
      return `With file-level incrementals a 1 % uniform update changes every data file (every partition), so the incr copies nearly all of them again (${mb(product?.incrUpdated?.repoBytes ?? 0)}). Block incremental stores only the changed blocks of a changed file, after reading the whole file.${blocks.length > 0 ? ` Measured: ${blocks.join("; ")}.` : ""} See the next target and the recommendations.`;
    },
  },
  {
    id: "incr-updated-bytes",
    requirement:
      "incr after 1 % of rows updated uniformly stores ≤ 0.5× a full's bytes (the best settings pgBackRest supports in production)",
    limit: 0.5,
    figure: (run) => {
      const best = leanestUpdatedIncr(run);
      const incr = best?.v.incrUpdated;
      if (!best || !incr) return undefined;
      return {
        value: best.share,
        measured: `${times(best.share)} (${best.v.title}: ${mb(incr.repoBytes)} / ${mb(best.v.full.repoBytes)}; ${seconds(incr.seconds)}, its full ${seconds(best.v.full.seconds)})`,
      };
    },
    why: ({ r }) => {
      const d = r.dataset;
      const perPage = d ? d.rows / (d.databaseBytes / 8192) : undefined;
      const pages = perPage
        ? ` The table holds about ${perPage.toFixed(0)} rows a page (rows and index), so 1 % of the rows spread evenly touch about one 8 KiB page in ${(100 / perPage).toFixed(1)}, and every block of more pages than that nearly always holds one: only blocks of one or two pages can leave most of a file out.`
        : "";
      const sizes = (r.suites.backup?.variants ?? [])
        .filter((v) => v.incrUpdated)
        .map(
          (v) =>
            `${v.title} ${times((v.incrUpdated?.repoBytes ?? 0) / v.full.repoBytes)} in ${seconds(v.incrUpdated?.seconds ?? 0)}`,
        )
        .join("; ");
      const internal = (r.suites.backup?.variants ?? []).some(
        (v) => v.incrUpdated && internalOnly(v.variant),
      )
        ? ' The block sizes set with repo1-block-size-map get there, but pgBackRest\'s help marks that option "FOR INTERNAL USE ONLY. DO NOT USE IN PRODUCTION", so they do not count here and the product does not ship them (see the recommendations).'
        : "";
      return `Every setting measured, the updated incr's bytes against its full's and its time: ${sizes}.${pages}${internal}`;
    },
  },
  {
    id: "pitr-delta-appended",
    requirement:
      "in-place PITR with --delta after 1 % appended ≤ 0.5× a full restore (both until promoted)",
    limit: 0.5,
    figure: ({ appended }) =>
      ratioFigure(appended?.delta.totalSeconds, appended?.full.totalSeconds),
    why: ({ appended, limits }) => {
      const a = appended as PitrCase;
      return `--delta reads and checksums every file of PGDATA (one cold read takes ${limits ? seconds(limits.readColdSeconds) : "—"} here) and copies only those that differ: its restore phase took ${seconds(a.delta.restoreSeconds)} against ${seconds(a.full.restoreSeconds)} for writing everything; recovery replays the same ${mb(a.walBytes)} of WAL in both (${seconds(a.delta.promotedSeconds)} and ${seconds(a.full.promotedSeconds)}).`;
    },
  },
  {
    id: "pitr-delta-updated",
    requirement: "in-place PITR with --delta after 1 % updated uniformly (reported)",
    limit: null,
    earlier: "0.76×",
    figure: ({ updated }) => ratioFigure(updated?.delta.totalSeconds, updated?.full.totalSeconds),
    why: () =>
      "Every data file differs from the backup, so --delta reads each, finds it changed and restores it: the checksums are pure overhead and the WAL to replay is larger (full-page images of every touched page).",
  },
  {
    id: "restore-vs-basebackup",
    requirement:
      "full restore to a promoted server ≤ 0.7× untar-and-start of pg_basebackup's zstd archive",
    limit: 0.7,
    figure: ({ restored, untarred }) => ratioFigure(restored?.totalSeconds, untarred?.totalSeconds),
    why: ({ r, cores, restored, untarred }) => {
      const p = restored as RestoreEntry;
      const b = untarred as RestoreEntry;
      return `Both write and sync every file of the database. pgBackRest's restore took ${seconds(p.restoreSeconds)} with ${r.productSettings["process-max"] ?? "1"} processes against ${seconds(b.restoreSeconds)} for one zstd and one tar, and its recovery fetches the backup's WAL from the repository through archive-get: ${seconds(p.promotedSeconds)} from start to promoted, against ${seconds(b.promotedSeconds)} with the WAL already in pg_basebackup's archive. On ${cores} cores, decompression in parallel cannot gain more than ${cores}× over one stream, and the disk write is shared.`;
    },
  },
  {
    id: "validation",
    requirement: "restore validation ≤ 1.3× the bare restore-and-recover",
    limit: 1.3,
    figure: ({ validation }) =>
      ratioFigure(validation?.totalSeconds, validation?.bare.totalSeconds),
    why: ({ validation }) => {
      const v = validation as ValidationResult;
      const phases = v.phases.map((p) => `${p.name} ${seconds(p.seconds)}`).join(", ");
      return `Phases: ${phases}. The checks phase is pg_amcheck over every table and index, which reads every page of the restored database once more; the restore and recovery phases (the report's RTO, ${v.rtoSeconds ?? "—"} s) compare with the bare ${seconds(v.bare.totalSeconds)}, the difference being how often the script looks whether recovery has ended.`;
    },
  },
  ...AIMS,
  archiveLag(
    "tpcb",
    "archive lag < 2 segments under a pgbench load on all cores (p95 of samples)",
    2,
  ),
  archiveLag(
    "bulk",
    "archive lag under a bulk-insert pgbench load, 16 KB a transaction (reported)",
    null,
  ),
  {
    id: "bot-latency",
    requirement: "bot webhook → Job created p95 < 200 ms",
    limit: 200,
    strict: true,
    figure: ({ bot }) =>
      bot && {
        value: bot.jobCreatedMs.p95,
        measured: `${ms(bot.jobCreatedMs.p95)} p95 (p50 ${ms(bot.jobCreatedMs.p50)}, max ${ms(bot.jobCreatedMs.max)})`,
      },
    why: () =>
      "The bot's own path (signature check, its operation record, reaction, policy, permission, status comment, lock) before the Job create request.",
  },
  {
    id: "action-cold-start",
    requirement: "Action bundle cold start < 1 s (median)",
    limit: 1,
    strict: true,
    figure: ({ action }) =>
      action && {
        value: action.coldStartSeconds.p50,
        measured: `${seconds(action.coldStartSeconds.p50)} (max ${seconds(action.coldStartSeconds.max)})`,
      },
    why: () =>
      "Node loads and compiles the whole bundle (the Kubernetes client and Octokit) before reading the first input.",
  },
  {
    id: "action-local-run",
    requirement: "deploy + verify + backup + validate on the local runner < 2 min",
    limit: 120,
    strict: true,
    figure: ({ action }) => {
      if (!action) return undefined;
      if (!action.ok) return { failed: "The Action failed; see the bench's log." };
      return { value: action.wallSeconds, measured: seconds(action.wallSeconds) };
    },
    why: ({ action }) => {
      const steps = (action as ActionResult).steps.map((s) => `${s.name} ${seconds(s.seconds)}`);
      return `Steps: ${steps.join(", ")}; the rest is starting and stopping the local cluster runner.`;
    },
  },
];
