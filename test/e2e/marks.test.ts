// Named restore points on the local cluster runner, with real PostgreSQL and pgBackRest:
// a mark made before a bulk change, through the Action's mark operation, is planned and
// restored to exactly (pgBackRest --type=name): every row as it was at the mark, none of
// the change. A mark that does not exist is refused with the marks that do. Then the
// newest state (/restore latest's plan, the seed's full restore) brings every later write.
import { beforeAll, describe, expect, it } from "vitest";
import { restoreProduction } from "../../src/core/operations/restore.ts";
import { planRestore } from "../../src/core/operations/restore-plan.ts";
import { withoutProgress } from "../../src/core/progress.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { runActionSteps } from "../support/action-run.ts";
import { localClusterForFile, nextSecond, TIMEOUT } from "../support/e2e-cluster.ts";

const e2e = localClusterForFile({ deploy: true });
const { sql } = e2e;

beforeAll(async () => {
  await sql("create table ledger (id bigint primary key, note text not null)");
  await sql("insert into ledger select n, 'as written' from generate_series(1, 20) n");
  await e2e.fullBackup();
  // Past the backup's stop second: a restore can only reach what comes after it.
  await nextSecond();
}, TIMEOUT.setUp);

describe("marks (named restore points)", { timeout: TIMEOUT.test }, () => {
  it("restores to exactly the mark the Action made before a bulk change", async () => {
    const run = await runActionSteps(e2e.cluster, {
      operations: "mark status",
      "restore-point": "before-bulk",
      "timeout-minutes": "5",
    });
    expect(run.outputs["restore-point-lsn"]).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(run.results[1]?.detail).toMatch(/marks before-bulk \(/);

    // The bulk change the mark was made for, and more writes after it.
    await sql("update ledger set note = 'bulk'");
    await sql("insert into ledger select n, 'later' from generate_series(21, 30) n");

    // Another name is refused, with the marks there are.
    await expect(
      planRestore(e2e.cluster, DEFAULT_SETTINGS, { time: "mark:nope" }, withoutProgress),
    ).rejects.toThrow(/^There is no mark nope\. Marks: before-bulk \(\d{4}-/);

    const plan = await planRestore(
      e2e.cluster,
      DEFAULT_SETTINGS,
      { time: "mark:before-bulk" },
      withoutProgress,
    );
    expect(plan.mark).toBe("before-bulk");
    const result = await restoreProduction(
      e2e.cluster,
      DEFAULT_SETTINGS,
      {
        jobName: "pgbackrest-restore-to-mark",
        target: plan.target,
        mark: plan.mark,
        pins: {
          stanza: DEFAULT_SETTINGS.stanza,
          set: plan.backupLabel,
          repo: plan.backupRepo,
          timeline: plan.timeline,
        },
        workloads: [],
        annotations: {},
        timeoutMs: TIMEOUT.job,
      },
      withoutProgress,
    );
    expect(result.jobLog).toContain("--type=name");
    expect(result.jobLog).toContain("--target=before-bulk");
    // Every row as it was at the mark: the twenty, none of the bulk change or after it.
    expect(
      await sql(
        "select count(*), max(id), count(*) filter (where note <> 'as written') from ledger",
      ),
    ).toBe("20|20|0");
  });

  it("restores to the newest state, as /restore latest plans it, with every write since", async () => {
    await sql(
      "insert into ledger select n, 'after the mark restore' from generate_series(21, 25) n",
    );
    const plan = await planRestore(
      e2e.cluster,
      DEFAULT_SETTINGS,
      { time: "latest" },
      withoutProgress,
    );
    expect(plan.latest).toBe(true);
    const result = await restoreProduction(
      e2e.cluster,
      DEFAULT_SETTINGS,
      {
        jobName: "pgbackrest-restore-newest",
        pins: { stanza: DEFAULT_SETTINGS.stanza, set: plan.backupLabel, repo: plan.backupRepo },
        workloads: [],
        annotations: {},
        timeoutMs: TIMEOUT.job,
      },
      withoutProgress,
    );
    expect(result.jobLog).toContain(`--set=${plan.backupLabel}`);
    expect(result.jobLog).toContain("restore command end: completed successfully");
    // From the backup before the mark, through both timelines' WAL to the newest write.
    expect(await sql("select count(*), max(id) from ledger")).toBe("25|25");
  });
});
