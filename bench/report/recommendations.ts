// The product settings a run's figures argue for.
import { type BenchResults, mb, seconds, times, variant } from "./results.ts";

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
