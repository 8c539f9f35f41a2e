// Two databases on one cluster, from the shipped overlays: the base (stanza mcpgov in
// ai-governance) and examples/second-database (stanza ledger in ledger-db), each deployed,
// backed up and validated by the Action's operations (runOperations, what the bundle runs;
// the local cluster runner lives in this process, so both runs share it here) into its
// own repository. A point-in-time restore of the second cuts its ledger exactly and
// leaves the first's data, backups and pods as they were: nothing of one reaches the other
// by a short name.
import { beforeAll, describe, expect, it } from "vitest";
import type { Operation } from "../../src/action/inputs.ts";
import { archiveNow, type DatabaseTarget, psql } from "../../src/core/database.ts";
import { restoreProduction } from "../../src/core/operations/restore.ts";
import { projectPath } from "../../src/core/paths.ts";
import { validBackups } from "../../src/core/pgbackrest/info.ts";
import { withoutProgress } from "../../src/core/progress.ts";
import { stanzaInfo } from "../../src/core/repository.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { runOnOverlay } from "../support/action-run.ts";
import { localClusterForFile, nextSecond, TIMEOUT } from "../support/e2e-cluster.ts";

const FIRST = { ...DEFAULT_SETTINGS, manifests: projectPath("manifests") };
const SECOND = {
  ...DEFAULT_SETTINGS,
  namespace: "ledger-db",
  stanza: "ledger",
  manifests: projectPath("examples", "second-database"),
};
const e2e = localClusterForFile();

const db = (namespace: string): DatabaseTarget => ({
  namespace,
  pod: "postgres-0",
  container: "postgres",
  database: "mcpgov",
});
const sql = (namespace: string, query: string) => psql(e2e.cluster, query, db(namespace));

/** The Action's operations for one database; its outputs. */
async function action(database: typeof FIRST, operations: Operation[]) {
  return (await runOnOverlay(e2e.cluster, database, operations.join(" "))).outputs;
}

beforeAll(async () => {
  for (const database of [FIRST, SECOND]) await action(database, ["deploy"]);
}, TIMEOUT.setUp);

describe("two databases from the example overlays on one cluster", {
  timeout: TIMEOUT.test,
}, () => {
  it("back up and validate, each into its own repository", async () => {
    for (const database of [FIRST, SECOND]) {
      const { namespace } = database;
      await sql(
        namespace,
        "create table ledger (id bigint primary key, at timestamptz default clock_timestamp())",
      );
      await sql(namespace, "insert into ledger (id) select generate_series(1, 100)");
      const outputs = await action(database, ["backup", "validate", "status"]);
      expect(outputs["validation-status"]).toBe("passed");
      expect(outputs["backup-label"]).toMatch(/^\d{8}-\d{6}F$/);
    }
    const first = await stanzaInfo(e2e.cluster, FIRST.namespace, FIRST.stanza);
    const second = await stanzaInfo(e2e.cluster, SECOND.namespace, SECOND.stanza);
    expect(validBackups(first)).toHaveLength(1);
    expect(validBackups(second)).toHaveLength(1);
    // Two repositories: the backups differ (each has its own system identifier).
    expect(first.db[0]?.["system-id"]).not.toBe(second.db[0]?.["system-id"]);
  });

  it("restores one to a point in time and leaves the other as it was", async () => {
    await nextSecond(); // past the backup's stop second
    await sql(FIRST.namespace, "insert into ledger (id) select generate_series(101, 150)");
    await sql(SECOND.namespace, "insert into ledger (id) select generate_series(101, 110)");
    const target = `${await sql(SECOND.namespace, "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')")}+00`;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sql(SECOND.namespace, "insert into ledger (id) select generate_series(111, 120)");
    await archiveNow(e2e.cluster, 60_000, db(SECOND.namespace));
    const firstBefore = {
      ledger: await sql(FIRST.namespace, "select count(*), max(id) from ledger"),
      backups: validBackups(await stanzaInfo(e2e.cluster, FIRST.namespace, FIRST.stanza)).map(
        (b) => b.label,
      ),
      timeline: await sql(FIRST.namespace, "select timeline_id from pg_control_checkpoint()"),
    };

    const jobName = "pgbackrest-restore-ledger";
    const request = { jobName, target, workloads: [], annotations: {}, timeoutMs: TIMEOUT.job };
    const result = await restoreProduction(e2e.cluster, SECOND, request, withoutProgress);
    expect(result.jobLog).toContain("restore command end: completed successfully");
    // The Job restored stanza ledger, the one its namespace's ConfigMap names.
    expect(result.jobLog).toContain("--stanza=ledger");
    expect(await sql(SECOND.namespace, "select count(*), max(id) from ledger")).toBe("110|110");

    expect({
      ledger: await sql(FIRST.namespace, "select count(*), max(id) from ledger"),
      backups: validBackups(await stanzaInfo(e2e.cluster, FIRST.namespace, FIRST.stanza)).map(
        (b) => b.label,
      ),
      timeline: await sql(FIRST.namespace, "select timeline_id from pg_control_checkpoint()"),
    }).toEqual(firstBefore);
    expect(firstBefore.ledger).toBe("150|150");
    // The restore's Jobs ran in the second namespace only.
    expect(
      await e2e.cluster.list("Job", FIRST.namespace, { "app.kubernetes.io/component": "restore" }),
    ).toEqual([]);
  });
});
