// The product settings a run's figures argue for.
import type { VariantBackups } from "../suites/backup.ts";
import { BLOCK_RULE, judgeBlockIncremental } from "./block-rule.ts";
import { type BenchResults, gib, mb, seconds, times, variant } from "./results.ts";

export function recommendations(r: BenchResults): string[] {
  const out: string[] = [];
  const backup = r.suites.backup;
  const product = variant(r, "product");
  // The candidates run without the archive check: they compare with the product's
  // settings measured the same way, when the run has them.
  const like = variant(r, "product-candidate") ?? product;
  const zstdBase = backup?.baseBackups.find((b) => b.codec === "zstd");
  if (backup && product && like) {
    const sizeBound = zstdBase ? zstdBase.bytes * 1.05 : product.full.repoBytes * 1.05;
    // Codec and processes only: the repository layouts (bundle, block) have their own verdicts.
    const codecs = backup.variants.filter(
      (v) => v.variant !== "bundle" && !v.variant.startsWith("block") && v.variant !== like.variant,
    );
    const eligible = codecs
      .filter((v) => v.variant !== "product")
      .filter((v) => v.full.repoBytes <= Math.max(sizeBound, like.full.repoBytes))
      .sort((x, y) => x.full.seconds - y.full.seconds);
    const best = eligible[0];
    if (best && best.full.seconds < like.full.seconds * 0.9) {
      out.push(
        `**compress settings: change to ${best.title}.** Its full backup took ${seconds(best.full.seconds)} against ${seconds(like.full.seconds)} with the product's settings measured the same way (${times(best.full.seconds / like.full.seconds)}) for a repository of ${mb(best.full.repoBytes)} against ${mb(like.full.repoBytes)}.`,
      );
    } else {
      const others = codecs
        .filter((v) => v.variant !== "product")
        .map((v) => `${v.title}: ${seconds(v.full.seconds)}, ${mb(v.full.repoBytes)}`)
        .join("; ");
      const same =
        like === product
          ? ""
          : ` (${seconds(like.full.seconds)} measured as the candidates are, without the archive check)`;
      out.push(
        `**${product.title}: keep.** Its full took ${seconds(product.full.seconds)}${same} for ${mb(product.full.repoBytes)}; no other setting was more than 10 % faster within the size bound (${others}).`,
      );
    }
    const p1 = variant(r, "one-process");
    if (p1)
      out.push(
        `**process-max=${r.machine.cores}:** one process took ${seconds(p1.full.seconds)}, ${times(p1.full.seconds / like.full.seconds)} the product's two; on ${r.machine.cores} cores more processes than cores only contend with PostgreSQL.`,
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
  const flipped = variant(r, "bundle");
  if (like && flipped) {
    // The "bundle" variant is the product with bundling the other way round; both without
    // the archive check when the run measured the product's settings so.
    const bundles = r.productSettings["repo1-bundle"] === "y";
    const [withIt, without] = bundles ? [like, flipped] : [flipped, like];
    const gain = (x?: { seconds: number }, y?: { seconds: number }) =>
      x && y ? times(x.seconds / y.seconds) : "—";
    const faster =
      withIt.full.seconds < without.full.seconds * 0.9 ||
      (withIt.incrAppended?.seconds ?? Number.POSITIVE_INFINITY) <
        (without.incrAppended?.seconds ?? 0) * 0.9;
    const verdict = bundles
      ? faster
        ? "keep"
        : "keep, for S3"
      : faster
        ? "adopt"
        : "no measurable gain here";
    out.push(
      `**repo1-bundle=y: ${verdict}.** It packs small files into one repository file, one write and sync instead of one per file: with it a full took ${gain(withIt.full, without.full)}, the incr after the append ${gain(withIt.incrAppended, without.incrAppended)} and the incr after the update ${gain(withIt.incrUpdated, without.incrUpdated)} the time without it (${seconds(withIt.full.seconds)} against ${seconds(without.full.seconds)} for the full; a stable option since pgBackRest 2.39; block incremental needs it). It matters more on S3, where every file is a request.`,
    );
  }
  out.push(...blockIncremental(r), ...skewedBlockIncremental(r));
  const top = r.suites.scaling?.at(-1);
  if (top) {
    const plain = top.incrIdleNoDelta.seconds;
    const checked = top.incrIdleDelta.seconds;
    const costly = checked - plain > 0.25 * checked;
    const figures = `at ${top.sizeGb} GiB an incr with nothing changed took ${seconds(checked)} with --delta and ${seconds(plain)} with --no-delta`;
    out.push(
      r.productSettings.delta === "y"
        ? `**delta=y in [global]: ${costly ? "move it to [global:restore]" : "keep"}.** It makes every backup checksum each file of PGDATA instead of comparing sizes and timestamps: ${figures}${costly ? "; the restore Jobs pass --delta themselves" : ""}.`
        : `**delta=y for restores only ([global:restore]): ${costly ? "keep" : "either way"}.** Backups compare sizes and timestamps, pgBackRest's default, which checksums a file by itself when its timestamp looks wrong; checksumming every file would cost ${costly ? "more" : "little"}: ${figures}.`,
    );
  }
  return out;
}

/** Block incremental and its block sizes, decided from the updated incr's bytes and the times. */
function blockIncremental(r: BenchResults): string[] {
  const product = variant(r, "product");
  const blocks = (r.suites.backup?.variants ?? []).filter(
    (v) => v.variant.startsWith("block") && v.incrUpdated,
  );
  const updated = product?.incrUpdated;
  if (!product || !updated || blocks.length === 0) return [];
  const share = (v: VariantBackups) => (v.incrUpdated?.repoBytes ?? 0) / v.full.repoBytes;
  const figures = (v: VariantBackups) =>
    `${v.title}: full ${seconds(v.full.seconds)}, incr after the update ${seconds(v.incrUpdated?.seconds ?? 0)} storing ${mb(v.incrUpdated?.repoBytes ?? 0)} (${times(share(v))} its full)`;
  const base = `the product's incr after 1 % of rows updated uniformly took ${seconds(updated.seconds)} and stored ${mb(updated.repoBytes)} (${times(share(product))} its full)`;
  // Wins: stores at most half a full and costs at most a fifth more time than the product.
  const wins = blocks.filter(
    (v) =>
      share(v) <= 0.5 &&
      v.full.seconds <= product.full.seconds * 1.2 &&
      (v.incrUpdated?.seconds ?? 0) <= updated.seconds * 1.2,
  );
  const pgbackrestSizes = blocks.find((v) => v.variant === "block");
  const out: string[] = [];
  if (pgbackrestSizes) {
    const gain = share(pgbackrestSizes) < 0.9 * share(product);
    out.push(
      `**Block incremental with pgBackRest's block sizes (repo1-bundle=y, repo1-block=y; stable since 2.46, measured on ${r.machine.pgbackrest}): ${gain ? "less stored on this workload, adopted only by the skewed day's rule below" : "no gain on this workload"}.** ${figures(pgbackrestSizes)}, where ${base}.${gain ? "" : " pgBackRest sizes a block from the file's size (16 KiB for 11 to 43 MB, 24 KiB up to 96 MB, then up to 88 KiB for a 1 GiB segment; doubled after a week, none after four), and a 1 % uniform update leaves few blocks of several pages unchanged."}`,
    );
  }
  const mapped = blocks.filter((v) => v.variant !== "block");
  if (mapped.length > 0) {
    // The largest block that wins: the smallest map and the fewest blocks to track.
    const kib = (v: VariantBackups) => Number(/^block-(\d+)k$/.exec(v.variant)?.[1] ?? 0);
    const best =
      wins.filter((v) => v.variant !== "block").sort((a, b) => kib(b) - kib(a))[0] ?? wins[0];
    // pgBackRest reserves the size map for its own tests: reported, never shipped.
    const caveat = `pgBackRest's help says of repo-block-size-map "FOR INTERNAL USE ONLY. DO NOT USE IN PRODUCTION", so the product does not ship it, whatever it saves: a backup tool does not run its repositories on an option its authors keep for testing. Daily fulls with six-hourly diffs bound what an update-heavy day costs instead.`;
    out.push(
      best && best.variant !== "block"
        ? `**Smaller blocks (repo1-block-size-map): not adopted, though ${best.title.replace(/^product \+ /, "")} stores at most half a full within a fifth more time than the product.** ${mapped.map(figures).join("; ")}; ${base}. ${caveat}`
        : `**Smaller blocks (repo1-block-size-map): not adopted.** ${mapped.map(figures).join("; ")}; ${base}. ${caveat}`,
    );
  }
  return out;
}

/** Block incremental on the skewed day, by the adoption rule (block-rule.ts), at every size. */
function skewedBlockIncremental(r: BenchResults): string[] {
  const verdict = judgeBlockIncremental(r.suites.scaling ?? []);
  if (verdict.sizes.length === 0) return [];
  const figures = verdict.sizes
    .map(
      (s) =>
        `${gib(s.sizeGb)}: ${mb(s.block.bytes)} in ${seconds(s.block.seconds)} against ${mb(s.fileLevel.bytes)} in ${seconds(s.fileLevel.seconds)} (${times(s.bytesRatio)} the bytes, ${times(s.timeRatio)} the time)`,
    )
    .join("; ");
  const rule = `at most ${BLOCK_RULE.maxBytes}× file-level's bytes in at most ${BLOCK_RULE.maxTime}× its time at every size`;
  return [
    verdict.adopt
      ? `**Block incremental (repo1-block=y) on a skewed day: adopt.** It stored ${rule}: ${figures}. Set repo1-block=y beside repo1-bundle=y in manifests/pgbackrest-config.yaml.`
      : `**Block incremental (repo1-block=y) on a skewed day: not adopted.** The rule is ${rule}; measured: ${figures}.`,
  ];
}
