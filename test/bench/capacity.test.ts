// The capacity model's pure parts: the fit, the leave-one-out error, the block incremental
// rule and docs/capacity.md as rendered from the bench's JSON.
import { describe, expect, it } from "vitest";
import { judgeBlockIncremental } from "../../bench/report/block-rule.ts";
import { bytes, duration, renderCapacity } from "../../bench/report/capacity.ts";
import {
  costs,
  fitLinear,
  leaveOneOut,
  predict,
  retentionBytes,
  retentionOf,
} from "../../bench/report/model.ts";
import type { BenchResults } from "../../bench/report/results.ts";
import { targets } from "../../bench/report/targets.ts";
import type { ScalingPoint } from "../../bench/suites/scaling.ts";
import type { BackupResult } from "../../bench/support/pg.ts";

const GIB = 2 ** 30;
const backup = (seconds: number, repoBytes: number, type: BackupResult["type"] = "full") => ({
  label: "20260101-000000F",
  type,
  seconds,
  databaseBytes: 2e9,
  repoBytes,
});
const restore = (total: number) => ({
  restoreSeconds: total * 0.8,
  consistentSeconds: total * 0.1,
  promotedSeconds: total * 0.2,
  totalSeconds: total,
});

/**
 * One size whose costs are a fixed cost plus a cost per GiB (full: 1 s + 2 s/GiB), the
 * block incremental incr taking `block` of file-level's time and bytes.
 */
function point(
  sizeGb: number,
  options: { beyondMemory?: boolean; block?: { time: number; bytes: number }; slow?: number } = {},
): ScalingPoint {
  const slow = options.slow ?? 1;
  const block = options.block ?? { time: 1, bytes: 0.5 };
  const incr = backup(0.5 + 0.1 * sizeGb, sizeGb * 1e7, "incr");
  return {
    sizeGb,
    rows: sizeGb * 2_250_000,
    databaseBytes: sizeGb * GIB,
    pgdataBytes: sizeGb * 1.5 * GIB,
    loadSeconds: 1,
    full: backup((1 + 2 * sizeGb) * slow, sizeGb * 0.5e9),
    validation: { status: "passed", totalSeconds: 2 + 3 * sizeGb, rtoSeconds: 1, phases: [] },
    appendedRows: 1,
    incrAppended: incr,
    incrIdle: incr,
    incrIdleNoDelta: incr,
    incrIdleDelta: incr,
    updatedRows: 1,
    incrUpdated: incr,
    pitrDelta: { ...restore(1), walBytes: 1, changedRows: 1 },
    fullOneProcess: backup(1 + 3.5 * sizeGb, sizeGb * 0.5e9),
    restores: [
      { processes: 2, restore: restore(1 + 1.5 * sizeGb) },
      { processes: 1, restore: restore(1 + 2.5 * sizeGb) },
    ],
    scratchBytes: sizeGb * 1.5 * GIB,
    skewed: {
      updatedRows: 1,
      appendedRows: 1,
      walArchivedBytes: sizeGb * 2e7,
      incr,
      fileLevel: { full: backup(1, 1), incr },
      block: {
        full: backup(1, 1),
        incr: backup(incr.seconds * block.time, incr.repoBytes * block.bytes, "incr"),
      },
      validationDeltaFirst: {
        status: "passed",
        totalSeconds: 2 + 3 * sizeGb,
        rtoSeconds: 1,
        phases: [{ name: "restore", seconds: 2 * sizeGb }],
      },
      // After a day's change --delta rewrites what changed; it still reads every file.
      validationDelta: {
        status: "passed",
        totalSeconds: 2 + 1.5 * sizeGb,
        rtoSeconds: 1,
        phases: [{ name: "restore", seconds: 0.5 * sizeGb }],
      },
    },
    ...(options.beyondMemory ? { memoryLimitBytes: GIB, memoryPeakBytes: GIB } : {}),
  };
}

function results(points: ScalingPoint[]): BenchResults {
  return {
    schema: "mcpgov-backup/bench/v1",
    command: "npm run bench -- --only scaling",
    machine: {
      date: "2026-01-01 00:00 UTC",
      os: "Debian",
      cpu: "Test CPU",
      cores: 2,
      ramGiB: 24,
      disk: "/dev/vda",
      postgresql: "postgres (PostgreSQL) 15.18",
      pgbackrest: "pgBackRest 2.55.1",
      node: "v24.21.0",
    },
    sizeGb: 2,
    sizesGb: points.map((p) => p.sizeGb),
    coldCache: true,
    productSettings: { "repo1-retention-full": "7", "repo1-retention-diff": "3" },
    suites: { scaling: points },
    suiteSeconds: {},
    errors: [],
    totalSeconds: 1,
  };
}

describe("the fit", () => {
  it("finds the fixed cost and the cost per GiB of points on a line", () => {
    const fit = fitLinear([1, 2, 4].map((x) => ({ x, y: 1 + 2 * x })));
    expect(fit.intercept).toBeCloseTo(1, 10);
    expect(fit.slope).toBeCloseTo(2, 10);
    expect(predict(fit, 1024)).toBeCloseTo(2049, 6);
  });

  it("is the least-squares line through scattered points", () => {
    // (1,1), (2,3), (3,2): mean x 2, mean y 2, slope 0.5, intercept 1.
    const fit = fitLinear([
      { x: 1, y: 1 },
      { x: 2, y: 3 },
      { x: 3, y: 2 },
    ]);
    expect(fit.slope).toBeCloseTo(0.5, 10);
    expect(fit.intercept).toBeCloseTo(1, 10);
  });

  it("refuses fewer than two different sizes", () => {
    expect(() => fitLinear([{ x: 1, y: 1 }])).toThrow(/two different sizes/);
    expect(() =>
      fitLinear([
        { x: 2, y: 1 },
        { x: 2, y: 3 },
      ]),
    ).toThrow(/two different sizes/);
  });
});

describe("the repository for the shipped retention", () => {
  it("holds days + 1 daily fulls and their WAL, and the differentials kept", () => {
    const retention = retentionOf({ "repo1-retention-full": "7", "repo1-retention-diff": "3" });
    expect(retention).toEqual({ days: 7, diffs: 3 });
    expect(retentionBytes(retention, { fullBytes: 100, diffBytes: 10, walBytes: 1 })).toBe(
      8 * 100 + 3 * 10 + 8 * 1,
    );
  });
});

describe("the leave-one-out error", () => {
  it("predicts the largest size in memory and the one beyond memory from the others", () => {
    const points = [point(1), point(2), point(4), point(8, { beyondMemory: true })];
    const full = costs(points, { days: 7, diffs: 3 }).find((c) => c.key === "full");
    const held = leaveOneOut(full as NonNullable<typeof full>);
    expect(held.map((h) => [h.sample.sizeGb, h.why])).toEqual([
      [4, "largest in memory"],
      [8, "beyond memory"],
    ]);
    // On a line, every size left out is predicted exactly.
    expect(held.map((h) => h.error)).toEqual([expect.closeTo(0, 10), expect.closeTo(0, 10)]);
  });

  it("shows the error when the size beyond memory costs more than the line", () => {
    // Beyond memory the full takes twice the line: the three sizes in memory predict half.
    const points = [point(1), point(2), point(4), point(6, { beyondMemory: true, slow: 2 })];
    const full = costs(points, { days: 7, diffs: 3 }).find((c) => c.key === "full");
    const held = leaveOneOut(full as NonNullable<typeof full>);
    expect(held.map((h) => h.why)).toEqual(["largest in memory", "beyond memory"]);
    expect(held[1]?.predicted).toBeCloseTo(13, 10);
    expect(held[1]?.error).toBeCloseTo(13 / 26 - 1, 10);
    // Fitted with the slow size, 4 GiB is predicted too high: (1,3) (2,5) (6,26).
    expect(held[0]?.error).toBeGreaterThan(0.25);
  });

  it("leaves out the largest and the one beyond memory when they differ", () => {
    const points = [point(1), point(2), point(3, { beyondMemory: true }), point(4)];
    const validation = costs(points, { days: 7, diffs: 3 }).find((c) => c.key === "validation");
    const held = leaveOneOut(validation as NonNullable<typeof validation>);
    expect(held.map((h) => [h.sample.sizeGb, h.why])).toEqual([
      [3, "beyond memory"],
      [4, "largest in memory"],
    ]);
  });

  it("needs three sizes", () => {
    const full = costs([point(1), point(2)], { days: 7, diffs: 3 })[0];
    expect(leaveOneOut(full as NonNullable<typeof full>)).toEqual([]);
  });
});

describe("the block incremental rule", () => {
  it("adopts block incremental when it stores ≤ 0.7× the bytes in ≤ 1.1× the time at every size", () => {
    const verdict = judgeBlockIncremental(
      [1, 2, 4].map((s) => point(s, { block: { time: 1.1, bytes: 0.7 } })),
    );
    expect(verdict.adopt).toBe(true);
    expect(verdict.sizes.map((s) => s.wins)).toEqual([true, true, true]);
  });

  it("does not adopt it when one size misses on time or on bytes", () => {
    const slow = judgeBlockIncremental([
      point(1, { block: { time: 1, bytes: 0.3 } }),
      point(2, { block: { time: 1.2, bytes: 0.3 } }),
    ]);
    expect(slow.adopt).toBe(false);
    expect(slow.sizes.map((s) => s.wins)).toEqual([true, false]);
    const big = judgeBlockIncremental([point(1, { block: { time: 0.5, bytes: 0.75 } })]);
    expect(big.adopt).toBe(false);
  });

  it("adopts nothing without a measurement", () => {
    const { skewed: _skewed, ...old } = point(1);
    expect(judgeBlockIncremental([old])).toEqual({ adopt: false, sizes: [] });
  });
});

describe("docs/capacity.md", () => {
  it("prints measured beside predicted with the error, and the predictions for 100 GiB to 5 TiB", () => {
    const md = renderCapacity(
      results([point(1), point(2), point(4), point(6, { beyondMemory: true, slow: 2 })]),
    );
    expect(md).toContain("# Capacity");
    expect(md).toContain("| 6 GiB (beyond memory) | 26.0 s | 13.0 s | −50 % ❌ |");
    expect(md).toContain("What the model cannot predict within 25 %");
    expect(md).toMatch(/\*\*full backup, process-max 2\*\* at 6 GiB .*page cache cannot hold/);
    expect(md).toContain("| Cost | 100 GiB | 1 TiB | 5 TiB |");
    // The validation: 2 s + 3 s/GiB → 5122 s at 5 TiB (1.4 h).
    expect(md).toMatch(/\| weekly restore validation \| 5\.0 min \| 51 min \| 4\.3 h \|/);
    expect(md).toContain("## Against process-max");
    expect(md).toContain("## Block incremental on the day's change");
    expect(md).toContain("## Where the model stops being trustworthy");
    expect(md).toContain("## Validation that scales: --delta");
    expect(md).toContain("| 4 GiB | 14.0 s | 0.00 s | 14.0 s | 8.00 s | 2.00 s |");
    expect(md).toMatch(/\| restore validation with --delta after a day's change \| /);
    expect(md).toContain("memory cgroup of 1.07 GB");
  });

  it("says the model holds when every size left out is within 25 %", () => {
    const md = renderCapacity(
      results([point(1), point(2), point(4), point(8, { beyondMemory: true })]),
    );
    expect(md).toContain("Every cost left out came within 25 %.");
    expect(md).not.toContain("cannot predict");
  });

  it("says so when the run had no scaling suite, and when no size ran beyond memory", () => {
    expect(renderCapacity(results([]))).toContain("Not measured");
    expect(renderCapacity(results([point(1), point(2), point(4)]))).toContain(
      "No size ran beyond memory",
    );
  });

  it("writes durations and bytes as a reader plans with them", () => {
    expect([duration(5), duration(600), duration(7200)]).toEqual(["5.00 s", "10 min", "2.0 h"]);
    expect([bytes(5e8), bytes(2.5e9), bytes(3e12)]).toEqual(["500 MB", "2.50 GB", "3.00 TB"]);
  });
});

describe("the targets the capacity suite feeds", () => {
  it("judge the --delta validation against the bare restore, block incremental and the model's error", () => {
    const run = results([point(1), point(2), point(4), point(6, { beyondMemory: true, slow: 2 })]);
    const byId = Object.fromEntries(targets(run).map((t) => [t.id, t]));
    // At 4 GiB, the largest in memory: 2 + 1.5·4 = 8 s against a bare 1 + 1.5·4 = 7 s.
    expect(byId["validation-delta"]).toMatchObject({
      status: "pass",
      measured: "1.14× (8.00 s / 7.00 s) at 4 GiB",
    });
    expect(byId["block-skewed"]).toMatchObject({
      status: "report",
      measured: "at worst 0.50× the bytes and 1.00× the time; adopt",
    });
    // The caged size's full took twice the line.
    expect(byId["capacity-error"]?.status).toBe("miss");
    expect(byId["capacity-error"]?.measured).toMatch(/^worst \d+ % \(.* at \d GiB\)$/);
  });
});
