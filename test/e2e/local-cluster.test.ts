// The manifests, unchanged, on the local cluster runner with real PostgreSQL and
// pgBackRest, over the mutual-TLS topology of docs/architecture.md: deploy, stanza-create
// Job, full and differential backups from the CronJobs, continuous WAL archiving, the
// restore-validation CronJob on a good and a damaged repository, and the seed's full and
// point-in-time restores with an exact ledger cut.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readInputs } from "../../src/action/inputs.ts";
import { verifyStep } from "../../src/action/steps/verify.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { archiveNow, MCPGOV_DATABASE, psql } from "../../src/core/database.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { manifestObjects } from "../../src/core/manifests/per-cluster-secrets.ts";
import { BASE_NAMESPACE, BASE_STANZA } from "../../src/core/names/defaults.ts";
import { CURRENT_TIMELINE_SQL, SQL_TARGET_US } from "../../src/core/names/formats.ts";
import { COMPONENT, COMPONENT_LABEL } from "../../src/core/names/labels.ts";
import { POSTGRES, REPO_HOST } from "../../src/core/names/objects.ts";
import { restoreProduction } from "../../src/core/operations/restore.ts";
import { findStanza, parseInfo } from "../../src/core/pgbackrest/info.ts";
import { withoutProgress } from "../../src/core/progress.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { LocalCluster } from "../../src/local/runner/local-cluster.ts";
import { damageBackup } from "../support/damage-backup.ts";
import { runCronJob } from "../support/jobs.ts";

const ns = BASE_NAMESPACE;
const root = new URL("../..", import.meta.url).pathname;
let cluster: LocalCluster;
let objects: KubeObject[];
const events: string[] = [];

beforeAll(async () => {
  cluster = await LocalCluster.start({ log: (line) => events.push(line) });
  objects = manifestObjects();
  // Up to the stanza-create Job, which the tests below run themselves.
  const first = objects.findIndex((o) => o.kind === "Job");
  await cluster.apply(objects.slice(0, first));
  await cluster.waitForPodsReady(ns, POSTGRES.labels, 120_000);
  await cluster.waitForPodsReady(ns, { [COMPONENT_LABEL]: COMPONENT.repoHost }, 120_000);
}, 180_000);

afterAll(async () => {
  await cluster?.shutdown();
}, 60_000);

const sql = (query: string) => psql(cluster, query, MCPGOV_DATABASE);
const runJob = (cronJob: string, job: string) => runCronJob(cluster, ns, cronJob, job, 240_000);

let restores = 0;

/** The product's restore (the seed's procedure, checked) with a Job of manifests/restore/. */
async function restore(file: string, target?: string) {
  const [doc] = loadManifestFile(join(root, "manifests/restore", file));
  const job = structuredClone(doc?.object as KubeObject);
  job.metadata.name = `${job.metadata.name}-${++restores}`;
  const request = { job, target, workloads: [], annotations: {}, timeoutMs: 300_000 };
  return restoreProduction(cluster, DEFAULT_SETTINGS, request, withoutProgress);
}

describe("the manifests on the local cluster runner", () => {
  it("says once that images are not pulled and host binaries stand in", () => {
    expect(events.filter((e) => e.includes("not pulled"))).toHaveLength(1);
  });

  it("creates the stanza with the stanza-create Job, and `pgbackrest check` proves archiving", async () => {
    await cluster.apply(objects.filter((o) => o.kind === "Job"));
    const result = await cluster.waitForJob(ns, "pgbackrest-stanza-create", 240_000);
    const logs = await cluster.logs(ns, "job/pgbackrest-stanza-create");
    expect(logs).toContain("stanza-create command end: completed successfully");
    expect(logs).toContain("check command end: completed successfully");
    expect(result.outcome).toBe("Complete");
  }, 300_000);

  it("takes a full and then a differential backup from the CronJobs, with WAL archived between", async () => {
    await cluster.apply(objects.filter((o) => o.kind === "CronJob"));
    await sql(
      "create table ledger (id bigint primary key, at timestamptz default clock_timestamp())",
    );
    await sql("insert into ledger (id) select generate_series(1, 1000)");
    const full = await runJob("pgbackrest-full-backup", "pgbackrest-manual-full-1");
    expect(full.logs).toContain("backup command end: completed successfully");
    expect(full.result.outcome).toBe("Complete");

    await sql("insert into ledger (id) select generate_series(1001, 2000)");
    const diff = await runJob("pgbackrest-diff-backup", "pgbackrest-manual-diff-1");
    expect(diff.result.outcome).toBe("Complete");

    const info = await cluster.exec({ namespace: ns, ...REPO_HOST }, [
      "pgbackrest",
      `--stanza=${BASE_STANZA}`,
      "info",
      "--output=json",
    ]);
    const stanza = findStanza(parseInfo(info.stdout), BASE_STANZA);
    expect(stanza.status.code).toBe(0);
    expect(stanza.backup.map((b) => b.type)).toEqual(["full", "diff"]);
    expect(stanza.backup[1]?.prior).toBe(stanza.backup[0]?.label);
    const archive = stanza.archive[0];
    expect(archive?.max && archive.max >= (stanza.backup[1]?.archive.stop ?? "")).toBe(true);
  }, 600_000);

  it("passes the weekly restore validation on the good repository", async () => {
    const { result, logs } = await runJob(
      "pgbackrest-restore-validation",
      "pgbackrest-manual-validation-1",
    );
    expect(logs).toContain("check pass: database mcpgov answers");
    expect(logs).toContain("check pass: pg_amcheck (no corruption in any database)");
    expect(logs).toContain("check pass: assertion: database mcpgov exists");
    expect(logs).toMatch(/PASSED in \d+s/);
    // The JSON report ends the log.
    const report = JSON.parse(logs.slice(logs.indexOf('{\n  "schema"'), logs.lastIndexOf("}") + 1));
    expect(report).toMatchObject({
      schema: "mcpgov-backup/restore-validation/v1",
      status: "passed",
      mode: "consistent",
    });
    expect(result.outcome).toBe("Complete");
  }, 300_000);

  it("brings back the latest state with the seed's full restore", async () => {
    await sql("insert into ledger (id) select generate_series(2001, 2500)");
    await archiveNow(cluster, 60_000, MCPGOV_DATABASE);
    const { jobLog } = await restore("pgbackrest-restore-job.yaml");
    expect(jobLog).toContain("restore command end: completed successfully");
    expect(await sql("select count(*), max(id) from ledger")).toBe("2500|2500");
  }, 600_000);

  it("restores to a point in time: exactly the rows committed at or before it, and writable", async () => {
    // The ledger: one commit every 100 ms, each row stamped just before its commit (each
    // -c of psql runs as a transaction of its own).
    const ledger = Array.from({ length: 30 }, (_, i) => [
      "-c",
      `insert into ledger (id) values (${3001 + i})`,
      "-c",
      "select pg_sleep(0.1)",
    ]);
    const client = ["psql", "-U", "postgres", "-d", "mcpgov", "-q", "-v", "ON_ERROR_STOP=1"];
    const written = await cluster.exec(
      { namespace: ns, pod: POSTGRES.pod, container: POSTGRES.container },
      [...client, ...ledger.flat()],
    );
    expect(written.code).toBe(0);
    await archiveNow(cluster, 60_000, MCPGOV_DATABASE);
    const rows = (
      await sql(
        `select id || '|' || to_char(at at time zone 'UTC', '${SQL_TARGET_US}') from ledger where id > 3000 order by id`,
      )
    )
      .split("\n")
      .map((line) => line.split("|"));
    const [cutId, cutAt] = rows[14] ?? [];
    // 50 ms after row 3015 was stamped: it has committed, row 3016 has not started.
    const target = `${new Date(Date.parse(`${cutAt?.replace(" ", "T")}Z`) + 50).toISOString().replace("T", " ").replace("Z", "")}+00`;

    const { jobLog } = await restore("pgbackrest-restore-pitr-job.yaml", target);
    expect(jobLog).toContain("restore command end: completed successfully");
    expect(await sql("select max(id) from ledger")).toBe(cutId);
    expect(await sql("select count(*) from ledger where id > 3000")).toBe("15");
    expect(await sql("select count(*) from ledger")).toBe("2515");
    await sql("insert into ledger (id) values (9999)");
    expect(Number(await sql(CURRENT_TIMELINE_SQL))).toBeGreaterThan(1);
    // Recovery fetched WAL ahead through the spool, as postgres-host.conf asks.
    const logFiles = await cluster.exec(
      { namespace: ns, pod: POSTGRES.pod, container: POSTGRES.container },
      ["ls", "/var/log/pgbackrest"],
    );
    expect(logFiles.stdout).toContain("mcpgov-archive-get-async.log");
  }, 600_000);

  it("fails the restore validation on a damaged repository, naming the cause", async () => {
    // A new full backup on the new timeline, then one of its files damaged.
    const full = await runJob("pgbackrest-full-backup", "pgbackrest-manual-full-2");
    expect(full.result.outcome).toBe("Complete");
    const backups = join(cluster.claimPath(ns, "pgbackrest-repo"), "backup/mcpgov");
    const newest =
      readdirSync(backups)
        .filter((d) => /F$/.test(d))
        .sort()
        .at(-1) ?? "";
    damageBackup(join(backups, newest));
    const { result, logs } = await runJob(
      "pgbackrest-restore-validation",
      "pgbackrest-manual-validation-2",
    );
    expect(result.outcome).toBe("Failed");
    expect(result.reason).toBe("BackoffLimitExceeded");
    expect(logs).toContain("pgbackrest restore failed");
    expect(logs).toMatch(/ERROR: \[\d+\]/);
  }, 600_000);

  it("verify (the Action's step) then reports the failed validation run and what else is wrong", async () => {
    const inputs = readInputs((name) => ({ operations: "verify", cluster: "local" })[name] ?? "");
    const step = verifyStep(objects);
    const outcome = await step({ cluster, inputs, annotations: {}, log: () => {} });
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toContain(
      "the latest run of CronJob pgbackrest-restore-validation, job/pgbackrest-manual-validation-2, failed",
    );
  }, 60_000);
});
