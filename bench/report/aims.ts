// The targets issue 37 set beside the older ones (which keep their rows and figures): the
// full against the machine's limit, an incr's fixed cost, the restore against
// pg_basebackup at 0.65×, what the archive check costs the product's full, block
// incremental on a skewed day, and the capacity model's error on a size it did not see.
import { BLOCK_RULE, judgeBlockIncremental } from "./block-rule.ts";
import { costs, leaveOneOut, MAX_ERROR, retentionOf } from "./model.ts";
import { gib, pct, seconds, times } from "./results.ts";
import { ratioFigure, type TargetRow } from "./target-row.ts";

export const AIMS: TargetRow[] = [
  {
    id: "archive-check",
    requirement:
      "what the archive check costs the product's full: as the CronJob runs it against the same settings without it (reported; the candidates are compared without it)",
    limit: null,
    figure: ({ product, like }) =>
      like && like !== product ? ratioFigure(product?.full.seconds, like.full.seconds) : undefined,
    why: ({ product, like }) =>
      `The product's backups wait until the backup's last WAL segment is in the repository (archive_command pushes it with one pgbackrest archive-push), the candidates' repositories receive no WAL and skip that wait (--no-archive-check). So every candidate, the defaults and the product's own settings beside them (${seconds(like?.full.seconds ?? 0)}) are measured the same way, without it, and the comparisons against the defaults and between layouts use that figure; the product's own rows stay as the CronJob runs them (${seconds(product?.full.seconds ?? 0)}). The wait is the segment switch, one archive-push, and pgBackRest's look into the archive, which sleeps 0.1, 0.1, 0.2, 0.3, 0.5, 0.8 s and so on between looks (a Fibonacci backoff), so a segment archived 0.8 s after the stop is seen at 1.2 s, one archived at 1.3 s at 2.0 s: a fixed cost of every backup, whatever the size.`,
  },
  {
    id: "full-vs-limit",
    requirement:
      "full backup ≤ 1.5× the machine's limit (the slower of reading PGDATA and zstd on all cores)",
    limit: 1.5,
    figure: ({ product, limits }) => ratioFigure(product?.full.seconds, limits?.limitSeconds),
    why: ({ product, like, limits }) => {
      const rest =
        "pgBackRest's SHA-1 of every file, its page-checksum check and one compressed stream per file";
      if (!product || !like || like === product || !limits)
        return `The product's full as the CronJob runs it, waiting for its last WAL segment in the archive; beyond the limit go ${rest}.`;
      return `The product's full as the CronJob runs it; the same settings without the archive check took ${seconds(like.full.seconds)}, ${times(like.full.seconds / limits.limitSeconds)} the limit, ${product.full.seconds > like.full.seconds ? `so waiting for the archive costs ${seconds(product.full.seconds - like.full.seconds)} of it` : "so the wait for the archive is lost in the noise here"}; the rest is ${rest}.`;
    },
  },
  {
    id: "incr-fixed",
    requirement: "an incr's fixed cost (nothing changed, at the largest size) < 0.5 s",
    limit: 0.5,
    strict: true,
    figure: ({ largest }) =>
      largest && {
        value: largest.incrIdle.seconds,
        measured: `${seconds(largest.incrIdle.seconds)} at ${gib(largest.sizeGb)} (--no-delta ${seconds(largest.incrIdleNoDelta.seconds)})`,
      },
    why: ({ largest }) =>
      `An incr that copies nothing still starts pgBackRest, asks for an immediate checkpoint (start-fast), lists and stats every file of PGDATA (${gib(largest?.sizeGb ?? 0)}), writes the manifest and waits until the backup's last WAL segment is archived, which starts another pgbackrest process for archive-push. Only the listing grows with the database.`,
  },
  {
    id: "restore-vs-basebackup-0.65",
    requirement:
      "full restore to a promoted server ≤ 0.65× untar-and-start of pg_basebackup's zstd archive",
    limit: 0.65,
    figure: ({ restored, untarred }) => ratioFigure(restored?.totalSeconds, untarred?.totalSeconds),
    why: ({ restored, untarred }) =>
      `pgBackRest's restore ${seconds(restored?.restoreSeconds ?? 0)} and recovery ${seconds(restored?.promotedSeconds ?? 0)}, against ${seconds(untarred?.restoreSeconds ?? 0)} and ${seconds(untarred?.promotedSeconds ?? 0)}: the restore writes and syncs every file as tar does, and recovery fetches the backup's WAL through archive-get (one process a segment) where pg_basebackup's archive holds it already. The PostgreSQL pod runs archive-get asynchronously (archive-async=y), which this host configuration does not.`,
  },
  {
    id: "validation-delta",
    requirement:
      "restore validation with --delta (the kept copy) after a day's change ≤ 1.3× a bare restore-and-recover, at the largest size in memory",
    limit: 1.3,
    figure: ({ r }) => {
      const point = (r.suites.scaling ?? [])
        .filter((p) => p.memoryLimitBytes === undefined && p.skewed?.validationDelta)
        .at(-1);
      const bare = point?.restores?.find((x) => x.processes === 2)?.restore.totalSeconds;
      const v = point?.skewed?.validationDelta?.totalSeconds;
      if (!point || v === undefined || !bare) return undefined;
      return {
        value: v / bare,
        measured: `${times(v / bare)} (${seconds(v)} / ${seconds(bare)}) at ${gib(point.sizeGb)}`,
      };
    },
    why: () =>
      "--delta still reads every file of the copy to compare its checksum with the backup's and restores a changed file whole, and pg_amcheck reads every page again: all three grow with the size or the files touched, only the writing of untouched files is saved (docs/capacity.md).",
  },
  {
    id: "block-skewed",
    requirement: `block incremental on a skewed day (5 % hot pages, appends) stores ≤ ${BLOCK_RULE.maxBytes}× file-level's bytes in ≤ ${BLOCK_RULE.maxTime}× its time at every size (reported: adopted when it does)`,
    limit: null,
    figure: ({ r }) => {
      const verdict = judgeBlockIncremental(r.suites.scaling ?? []);
      if (verdict.sizes.length === 0) return undefined;
      const worstBytes = Math.max(...verdict.sizes.map((s) => s.bytesRatio));
      const worstTime = Math.max(...verdict.sizes.map((s) => s.timeRatio));
      return {
        value: worstBytes,
        measured: `at worst ${times(worstBytes)} the bytes and ${times(worstTime)} the time; ${verdict.adopt ? "adopt" : "not adopted"}`,
      };
    },
    why: ({ r }) =>
      `Per size, block against file-level: ${judgeBlockIncremental(r.suites.scaling ?? [])
        .sizes.map(
          (s) =>
            `${gib(s.sizeGb)} ${times(s.bytesRatio)} the bytes in ${times(s.timeRatio)} the time`,
        )
        .join(
          "; ",
        )}. Both in repositories of their own, both without the archive check (docs/capacity.md).`,
  },
  {
    id: "capacity-error",
    requirement: `the capacity model predicts a size it was not fitted on within ${pct(MAX_ERROR)} (the largest in memory and each beyond memory, every cost)`,
    limit: MAX_ERROR,
    figure: ({ r }) => {
      const held = costs(r.suites.scaling ?? [], retentionOf(r.productSettings)).flatMap(
        leaveOneOut,
      );
      if (held.length === 0) return undefined;
      const worst = held.reduce((a, b) => (Math.abs(b.error) > Math.abs(a.error) ? b : a));
      return {
        value: Math.abs(worst.error),
        measured: `worst ${pct(Math.abs(worst.error))} (${worst.cost.title} at ${gib(worst.sample.sizeGb)})`,
      };
    },
    why: () =>
      "docs/capacity.md lists the cost it cannot predict, measured beside predicted, and why.",
  },
];
