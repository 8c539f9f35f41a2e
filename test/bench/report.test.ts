// The benchmark's pure parts: the statistics and the document rendered from its JSON. The
// benchmark itself (npm run bench) is not part of the test suite.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderScalingSvg, SCALING_SVG } from "../../bench/report/plot.ts";
import { recommendations } from "../../bench/report/recommendations.ts";
import { renderReport } from "../../bench/report/render.ts";
import type { BenchResults } from "../../bench/report/results.ts";
import { targets } from "../../bench/report/targets.ts";
import type { ScalingPoint } from "../../bench/suites/scaling.ts";
import type { BackupResult } from "../../bench/support/pg.ts";
import { percentile, summarize } from "../../bench/support/stats.ts";
import { ticks } from "../../scripts/svg-chart.ts";

const backup = (seconds: number, repoBytes: number, type: BackupResult["type"] = "full") => ({
  label: "20260101-000000F",
  type,
  seconds,
  databaseBytes: 2e9,
  repoBytes,
});
const restore = (restoreSeconds: number, promotedSeconds: number) => ({
  restoreSeconds,
  consistentSeconds: promotedSeconds / 2,
  promotedSeconds,
  totalSeconds: restoreSeconds + promotedSeconds,
});
const summary = (p95: number) => ({
  n: 20,
  min: 0,
  p50: p95 / 2,
  p95,
  max: p95 * 2,
  mean: p95 / 2,
});

/** One size of the scaling suite: the full grows with the data, the incr after the append less. */
const point = (sizeGb: number, full: number, incrAppended: number): ScalingPoint => ({
  sizeGb,
  rows: sizeGb * 2_250_000,
  databaseBytes: sizeGb * 1.08e9,
  pgdataBytes: sizeGb * 1.6e9,
  loadSeconds: sizeGb * 8,
  full: backup(full, sizeGb * 0.5e9),
  validation: {
    status: "passed",
    totalSeconds: full * 0.8,
    rtoSeconds: full * 0.5,
    phases: [{ name: "restore", seconds: full * 0.4 }],
  },
  appendedRows: sizeGb * 22_500,
  incrAppended: backup(incrAppended, sizeGb * 5e6, "incr"),
  // With delta=y most of an incr with nothing changed is checksumming.
  incrIdle: backup(incrAppended * 0.9, 1e5, "incr"),
  incrIdleNoDelta: backup(1, 1e5, "incr"),
  incrIdleDelta: backup(incrAppended * 0.9, 1e5, "incr"),
  updatedRows: sizeGb * 22_500,
  incrUpdated: backup(full * 0.9, sizeGb * 0.49e9, "incr"),
  pitrDelta: { ...restore(full / 2, 1), walBytes: 2e7, changedRows: sizeGb * 22_500 },
});

function results(): BenchResults {
  return {
    schema: "mcpgov-backup/bench/v1",
    command: "npm run bench -- --size-gb 2",
    machine: {
      date: "2026-01-01 00:00 UTC",
      os: "Debian GNU/Linux 12 (bookworm)",
      cpu: "Test CPU",
      cores: 2,
      ramGiB: 24,
      disk: "/dev/vda (SSD or virtual disk), ext4, 252G with 71G free",
      postgresql: "postgres (PostgreSQL) 15.18",
      pgbackrest: "pgBackRest 2.55.1",
      node: "v24.21.0",
    },
    sizeGb: 2,
    sizesGb: [1, 2, 4],
    coldCache: true,
    productSettings: { "compress-type": "zst", "process-max": "2" },
    dataset: { rows: 4_500_000, databaseBytes: 2.1e9, pgdataBytes: 2.15e9, loadSeconds: 60 },
    suites: {
      limits: {
        pgdataBytes: 2.15e9,
        readColdSeconds: 4,
        readColdMBps: 537,
        readWarmSeconds: 1,
        zstdLevel: 1,
        zstdSeconds: 6,
        zstdMBps: 358,
        zstdBytes: 1.1e9,
        gzipSeconds: 40,
        gzipMBps: 54,
        gzipBytes: 1.15e9,
        cores: 2,
        limitSeconds: 6,
      },
      backup: {
        variants: [
          {
            variant: "product",
            title: "product",
            full: backup(12, 1.1e9),
            incrAppended: backup(1.2, 2e7, "incr"),
            diffAppended: backup(1.3, 2e7, "diff"),
            incrUpdated: backup(9, 1e9, "incr"),
          },
          { variant: "defaults", title: "defaults", full: backup(48, 1.15e9) },
          {
            variant: "block",
            title: "block, pgBackRest's sizes",
            full: backup(12.5, 1.1e9),
            incrUpdated: backup(10, 1.08e9, "incr"),
          },
          {
            variant: "block-16k",
            title: "block, 16 KiB",
            full: backup(12.5, 1.1e9),
            incrUpdated: backup(9.5, 4.4e8, "incr"),
          },
          {
            variant: "block-8k",
            title: "block, 8 KiB",
            full: backup(13, 1.1e9),
            incrUpdated: backup(9, 2.2e8, "incr"),
          },
        ],
        baseBackups: [
          { codec: "zstd", compress: "server-zstd:workers=2", seconds: 7, bytes: 1.09e9 },
        ],
        appendedRows: 45_000,
        updatedRows: 45_000,
      },
      restore: [
        { name: "product", title: "product", ...restore(6, 2) },
        { name: "pg_basebackup-zstd", title: "pg_basebackup zstd", ...restore(8, 2) },
      ],
      scaling: [point(1, 5, 2), point(2, 10, 2.2), point(4, 20, 2.5)],
      bot: {
        webhooks: 95,
        jobCreatedMs: summary(70),
        answeredMs: summary(50),
        burst: {
          commands: 50,
          seconds: 1,
          jobsCreated: 10,
          rssBeforeMB: 100,
          rssPeakMB: 120,
          heapPeakMB: 60,
          rssAfterMB: 110,
        },
      },
    },
    suiteSeconds: { limits: 50, backup: 300 },
    errors: [],
    totalSeconds: 350,
  };
}

describe("the benchmark's statistics", () => {
  it("interpolates percentiles between neighbours", () => {
    expect(percentile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(percentile([10, 20], 0.95)).toBeCloseTo(19.5);
    expect(summarize([5, 1, 3])).toMatchObject({ n: 3, min: 1, p50: 3, max: 5, mean: 3 });
  });
});

describe("the benchmark's targets", () => {
  const list = targets(results());
  const byId = (id: string) => list.find((t) => t.id === id);

  it("passes a target within its bound and says nothing more", () => {
    // 12 s against a 4 s read: 3×, over 2.5×; 1.1 GB against 1.09 GB: 1.01×, within 1.05×.
    expect(byId("repo-vs-basebackup")).toMatchObject({ status: "pass" });
    expect(byId("repo-vs-basebackup")?.note).toBeUndefined();
    expect(byId("bot-latency")).toMatchObject({ status: "pass", value: 70 });
  });

  it("says by how much a target was missed, and why from the same run's figures", () => {
    const full = byId("full-vs-read");
    expect(full?.status).toBe("miss");
    expect(full?.measured).toBe("3.00× (12.0 s / 4.00 s)");
    expect(full?.note).toContain("Missed by 20 %");
    // zstd on all cores takes 6 s against a 4 s read: the codec is the limit.
    expect(full?.note).toContain("the codec, not the disk");
    expect(byId("full-vs-defaults")?.note).toContain("Missed by 67 %");
  });

  it("reports a figure that has no bound, and marks what was not measured", () => {
    expect(byId("incr-updated")).toMatchObject({ status: "report", value: 0.75 });
    expect(byId("incr-updated")?.note).toContain("file-level");
    expect(byId("validation")).toMatchObject({ status: "not measured", measured: "—" });
    expect(byId("archive-lag-tpcb")).toMatchObject({ status: "not measured" });
  });

  it("judges the incr after the append across the sizes, and reports the full's growth", () => {
    // 2 s at 1 GiB, 2.5 s at 4 GiB: 1.25×; the full 5 s → 20 s: 4×.
    expect(byId("incr-appended-flat")).toMatchObject({ status: "pass", value: 1.25 });
    expect(byId("incr-appended-flat")?.measured).toBe(
      "1.25× (2.00 s at 1 GiB, 2.50 s at 4 GiB); the full 4.00× (5.00 s, 20.0 s)",
    );
    // At 4 GiB: 2.5 s against 20 s.
    expect(byId("incr-appended-largest")).toMatchObject({ status: "pass", value: 0.125 });
  });

  it("says where a growing incr's time goes, from the incrs with nothing changed", () => {
    const growing = results();
    growing.productSettings.delta = "y";
    growing.suites.scaling = [point(1, 5, 2), point(2, 10, 3.5), point(4, 20, 6)];
    const list = targets(growing);
    const flat = list.find((t) => t.id === "incr-appended-flat");
    expect(flat).toMatchObject({ status: "miss", value: 3 });
    expect(flat?.note).toContain("Missed by 100 %");
    expect(flat?.note).toContain("the full's time 4.00×");
    // At 4 GiB: 5.4 s idle with delta=y (and with --delta), 1 s with --no-delta.
    expect(flat?.note).toContain(
      "At 4 GiB an incr with nothing changed took 5.40 s with the product's settings (delta=y: checksums), 1.00 s with --no-delta and 5.40 s with --delta: checksumming every file of PGDATA (6400 MB) costs 4.40 s, and grows with the database; the product pays it on every backup",
    );
    const largest = list.find((t) => t.id === "incr-appended-largest");
    expect(largest).toMatchObject({ status: "miss", value: 0.3 });
    expect(largest?.note).toContain("checksumming every file of PGDATA (6400 MB)");
  });

  it("judges the updated incr's bytes by the leanest setting pgBackRest supports in production", () => {
    // block-8k stores 220 MB of a 1100 MB full, but through repo1-block-size-map, which
    // pgBackRest reserves for internal use: the leanest supported one is the product's
    // 1000 of 1100 (pgBackRest's own block sizes stored 1080).
    const bytes = byId("incr-updated-bytes");
    expect(bytes).toMatchObject({ status: "miss" });
    expect(bytes?.value).toBeCloseTo(1e9 / 1.1e9);
    expect(bytes?.note).toContain("block, pgBackRest's sizes 0.98× in 10.0 s");
    expect(bytes?.note).toContain("block, 8 KiB 0.20× in 9.00 s");
    expect(bytes?.note).toContain("one 8 KiB page in");
    expect(bytes?.note).toContain('"FOR INTERNAL USE ONLY. DO NOT USE IN PRODUCTION"');
    // A supported setting that stores less counts.
    const leaner = results();
    const block = leaner.suites.backup?.variants.find((v) => v.variant === "block");
    if (!block?.incrUpdated) throw new Error("the fixture has no block variant");
    block.incrUpdated.repoBytes = 0.3e9;
    const met = targets(leaner).find((t) => t.id === "incr-updated-bytes");
    expect(met).toMatchObject({ status: "pass" });
    expect(met?.measured).toMatch(/^0\.27× \(block, pgBackRest's sizes: 300 MB \/ 1100 MB; /);
  });

  it("counts a failed Action run as a miss, not as a figure it did not measure", () => {
    const action = {
      coldStartSeconds: summary(0.3),
      operations: "deploy verify backup validate",
      ok: false,
      wallSeconds: 40,
      operationsSeconds: 30,
      steps: [{ name: "deploy", seconds: 30 }],
    };
    const run = targets({ ...results(), suites: { ...results().suites, action } });
    expect(run.find((t) => t.id === "action-local-run")).toMatchObject({
      status: "miss",
      measured: "failed",
      value: null,
      note: "The Action failed; see the bench's log.",
    });
  });

  it("lists every target in its order, each not measured when no suite ran", () => {
    const none = targets({ ...results(), suites: {} });
    expect(none.map((t) => t.id)).toEqual([
      "full-vs-read",
      "repo-vs-basebackup",
      "full-vs-defaults",
      "incr-appended",
      "incr-appended-flat",
      "incr-appended-largest",
      "incr-updated",
      "incr-updated-bytes",
      "pitr-delta-appended",
      "pitr-delta-updated",
      "restore-vs-basebackup",
      "validation",
      "archive-check",
      "full-vs-limit",
      "incr-fixed",
      "restore-vs-basebackup-0.65",
      "validation-delta",
      "block-skewed",
      "capacity-error",
      "archive-lag-tpcb",
      "archive-lag-bulk",
      "bot-latency",
      "action-cold-start",
      "action-local-run",
    ]);
    for (const t of none)
      expect(t).toMatchObject({ status: "not measured", measured: "—", value: null });
    expect(none.every((t) => t.note === undefined)).toBe(true);
  });
});

describe("the rendered document", () => {
  const doc = renderReport(results());

  it("says how it was produced: machine, versions, date, size", () => {
    expect(doc).toContain("2 cores (Test CPU); 24 GiB RAM; disk /dev/vda");
    expect(doc).toContain("postgres (PostgreSQL) 15.18; pgBackRest 2.55.1");
    expect(doc).toContain("2026-01-01 00:00 UTC");
    expect(doc).toContain("asked for 2 GiB");
    expect(doc).toContain("Do not edit by hand");
  });

  it("lists every target with its measured ratio and verdict", () => {
    expect(doc).toContain(
      "| full backup ≤ 2.5× the raw sequential read of PGDATA | 3.00× (12.0 s / 4.00 s) | ❌ miss | 3.5× (zst, 2 processes) |",
    );
    expect(doc).toContain("| bot webhook → Job created p95 < 200 ms | 70 ms p95");
    expect(doc).toMatch(/\| restore validation ≤ 1\.3× .* \| — not measured \|/);
  });

  it("is the same for the same figures", () => {
    expect(renderReport(results())).toBe(doc);
  });
});

describe("the scaling plot", () => {
  const svg = renderScalingSvg(results()) as string;

  it("has one line with a marker per size for each operation, a legend, axes and a title", () => {
    const series = [...svg.matchAll(/<g class="series" data-series="(\w+)"/g)].map((m) => m[1]);
    expect(series).toEqual(["full", "incrAppended", "incrUpdated", "pitrDelta", "validation"]);
    const pointsOf = (key: string) => {
      const group = svg.slice(svg.indexOf(`data-series="${key}"`)).split("</g>\n</g>")[0] as string;
      return [...group.matchAll(/data-size-gib="([\d.]+)" data-seconds="([\d.]+)"/g)].map((m) => [
        Number(m[1]),
        Number(m[2]),
      ]);
    };
    expect(pointsOf("full")).toEqual([
      [1, 5],
      [2, 10],
      [4, 20],
    ]);
    expect(pointsOf("incrAppended")).toEqual([
      [1, 2],
      [2, 2.2],
      [4, 2.5],
    ]);
    // Restores count until the server accepts writes: 2.5 + 1 s at 1 GiB.
    expect(pointsOf("pitrDelta")).toEqual([
      [1, 3.5],
      [2, 6],
      [4, 11],
    ]);
    expect(pointsOf("validation").map((p) => p[1])).toEqual([4, 8, 16]);
    // Each line joins its three markers.
    expect(
      [...svg.matchAll(/<polyline [^>]*points="([^"]+)"/g)].map((m) => m[1]?.split(" ").length),
    ).toEqual([3, 3, 3, 3, 3]);
    for (const title of [
      "full backup",
      "incr after 1 % appended",
      "incr after 1 % updated",
      "in-place PITR --delta",
      "restore validation",
    ])
      expect(svg).toContain(`>${title}</text>`);
    expect(svg).toContain(">database size (GiB)</text>");
    expect(svg).toContain(">seconds</text>");
    expect(svg).toContain("Backup, PITR and validation time against database size");
    // x from 0 to 4 GiB, y from 0 past the slowest figure (20 s).
    expect([...svg.matchAll(/<g class="x-ticks"[\s\S]*?<\/g>/g)][0]?.[0]).toContain(">4</text>");
    expect([...svg.matchAll(/<g class="y-ticks"[\s\S]*?<\/g>/g)][0]?.[0]).toContain(">20</text>");
  });

  it("places the markers on the axes' scales", () => {
    // x: 0..4 GiB over 64..540; y: 0..20 s over 380..52.
    expect(svg).toContain('<circle cx="540" cy="52" r="4.5"/>');
    expect(svg).toContain('<circle cx="183" cy="298" r="4.5"/>');
  });

  it("steps its ticks by 1, 2 or 5 times a power of ten past the largest value", () => {
    expect(ticks(4)).toEqual([0, 1, 2, 3, 4]);
    expect(ticks(0.4)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(ticks(23)).toEqual([0, 5, 10, 15, 20, 25]);
  });

  it("is left out when the run did not measure the sizes", () => {
    expect(renderScalingSvg({ ...results(), suites: {} })).toBeUndefined();
    expect(renderReport({ ...results(), suites: {} })).not.toContain(SCALING_SVG);
  });

  it("is embedded in the document with the figures per size", () => {
    const doc = renderReport(results());
    expect(doc).toContain(`](${SCALING_SVG})`);
    expect(doc).toContain(
      "| 4 GiB (9,000,000 rows) | 4320 MB (PGDATA 6400 MB) | 20.0 s, 2000 MB | 16.0 s (passed) | 2.50 s, 20.0 MB | 18.0 s, 1960 MB | 0.98× | 11.0 s (10.0 s + 1.00 s) |",
    );
  });

  it("is written by --report-only next to benchmarks.md", () => {
    const out = mkdtempSync(join(tmpdir(), "bench-report-"));
    try {
      writeFileSync(join(out, "benchmarks.json"), JSON.stringify(results()));
      execFileSync(process.execPath, ["bench/main.ts", "--report-only", "--out", out], {
        stdio: "pipe",
      });
      expect(readFileSync(join(out, SCALING_SVG), "utf8")).toBe(renderScalingSvg(results()));
      expect(readFileSync(join(out, "benchmarks.md"), "utf8")).toBe(renderReport(results()));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("the recommendations", () => {
  it("judge bundling against the other choice from the manifests', whichever that is", () => {
    const run = results();
    const product = run.suites.backup?.variants.find((v) => v.variant === "product");
    if (!product) throw new Error("the fixture has no product variant");
    const bundle = { variant: "bundle", title: "bundle", full: backup(6, 1.1e9) };
    run.suites.backup?.variants.push(bundle);
    expect(recommendations(run).join("\n")).toContain("**repo1-bundle=y: adopt.**");
    // The manifests bundle: the "bundle" variant is then the product without it.
    run.productSettings["repo1-bundle"] = "y";
    bundle.full.seconds = product.full.seconds * 2;
    expect(recommendations(run).join("\n")).toMatch(
      /\*\*repo1-bundle=y: keep\.\*\* .* with it a full took 0\.50×, .* the time without it/,
    );
    bundle.full.seconds = product.full.seconds;
    expect(recommendations(run).join("\n")).toContain("**repo1-bundle=y: keep, for S3.**");
  });

  it("compare the layouts and codecs like with like: the product's settings without the archive check", () => {
    const run = results();
    run.productSettings["repo1-bundle"] = "y";
    // The product's full waited for the archive (12 s); measured as the candidates are,
    // its settings took 6 s, as fast as the layout without bundles.
    run.suites.backup?.variants.push(
      { variant: "product-candidate", title: "product as a candidate", full: backup(6, 1.1e9) },
      { variant: "bundle", title: "bundle", full: backup(6, 1.1e9) },
      { variant: "lz4", title: "lz4", full: backup(10, 1.12e9) },
    );
    const recs = recommendations(run).join("\n");
    // Against the product's 12 s, bundling and lz4 would both look 2× faster.
    expect(recs).toContain("**repo1-bundle=y: keep, for S3.**");
    expect(recs).toContain("with it a full took 1.00×");
    expect(recs).toContain(
      "**product: keep.** Its full took 12.0 s (6.00 s measured as the candidates are, without the archive check)",
    );
    const check = targets(run).find((t) => t.id === "archive-check");
    expect(check?.measured).toBe("2.00× (12.0 s / 6.00 s)");
    const defaults = targets(run).find((t) => t.id === "full-vs-defaults");
    expect(defaults?.measured).toBe("0.13× (6.00 s / 48.0 s)");
  });

  it("adopt block incremental on the skewed day only when it wins at every size", () => {
    const run = results();
    const skewed = (sizeGb: number, blockBytes: number, blockSeconds: number) => {
      const p = point(sizeGb, 2 * sizeGb, 1);
      const incr = backup(1, 1e8, "incr");
      p.skewed = {
        updatedRows: 1,
        appendedRows: 1,
        walArchivedBytes: 1,
        incr,
        fileLevel: { full: backup(2, 1e9), incr },
        block: { full: backup(2, 1e9), incr: backup(blockSeconds, blockBytes, "incr") },
      };
      return p;
    };
    run.suites.scaling = [skewed(1, 5e7, 1), skewed(2, 7e7, 1.1)];
    expect(recommendations(run).join("\n")).toContain(
      "**Block incremental (repo1-block=y) on a skewed day: adopt.**",
    );
    run.suites.scaling = [skewed(1, 5e7, 1), skewed(2, 7.1e7, 1)];
    expect(recommendations(run).join("\n")).toContain(
      "**Block incremental (repo1-block=y) on a skewed day: not adopted.** The rule is at most 0.7× file-level's bytes in at most 1.1× its time at every size; measured: 1 GiB: 50.0 MB in 1.00 s against 100 MB in 1.00 s (0.50× the bytes, 1.00× the time); 2 GiB: 71.0 MB",
    );
  });

  it("keep delta to restores when checksumming every file costs a backup much, and say so when the product does not", () => {
    const run = results();
    run.suites.scaling = [point(1, 5, 2), point(4, 20, 6)];
    // At 4 GiB: 5.4 s with --delta, 1 s with --no-delta.
    expect(recommendations(run).join("\n")).toContain(
      "**delta=y for restores only ([global:restore]): keep.** Backups compare sizes and timestamps, pgBackRest's default, which checksums a file by itself when its timestamp looks wrong; checksumming every file would cost more: at 4 GiB an incr with nothing changed took 5.40 s with --delta and 1.00 s with --no-delta.",
    );
    run.productSettings.delta = "y";
    expect(recommendations(run).join("\n")).toContain(
      "**delta=y in [global]: move it to [global:restore].** It makes every backup checksum each file of PGDATA",
    );
  });

  it("decide block incremental from the measured bytes and times, not from a version", () => {
    const recs = recommendations(results()).join("\n");
    expect(recs).not.toMatch(/beta|2\.45/);
    // pgBackRest's sizes stored 0.98× a full against the product's 0.91×: no gain.
    expect(recs).toContain("pgBackRest 2.55.1): no gain on this workload.**");
    // 16 KiB stores 0.40× in 9.5 s against the product's 9 s, but only through an option
    // pgBackRest reserves for internal use: reported, not adopted.
    expect(recs).toContain(
      "**Smaller blocks (repo1-block-size-map): not adopted, though block, 16 KiB stores at most half a full",
    );
    expect(recs).toContain("block, 16 KiB: full 12.5 s");
    expect(recs).toContain(
      '"FOR INTERNAL USE ONLY. DO NOT USE IN PRODUCTION", so the product does not ship it',
    );
  });
});
