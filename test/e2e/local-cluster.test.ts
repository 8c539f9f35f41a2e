// The manifests, unchanged, on the local cluster runner with real PostgreSQL and
// pgBackRest: deploy, stanza-create Job, full and differential backups from the CronJobs,
// continuous WAL archiving, all over the mutual-TLS topology of docs/architecture.md.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { findStanza, parseInfo } from "../../src/core/pgbackrest/info.ts";
import { deployDatabase, manifestObjects } from "../../src/local/deploy.ts";
import { LocalCluster } from "../../src/local/runner/local-cluster.ts";

const ns = "ai-governance";
let cluster: LocalCluster;
let objects: KubeObject[];
const events: string[] = [];

beforeAll(async () => {
  cluster = await LocalCluster.start({ log: (line) => events.push(line) });
  objects = manifestObjects();
  await deployDatabase(cluster, objects, 120_000);
}, 180_000);

afterAll(async () => {
  await cluster?.shutdown();
}, 60_000);

async function sql(query: string): Promise<string> {
  const result = await cluster.exec(ns, "postgres-0", "postgres", [
    "psql",
    "-U",
    "postgres",
    "-d",
    "mcpgov",
    "-Atqc",
    query,
  ]);
  if (result.code !== 0) throw new Error(`psql: ${result.stderr}`);
  return result.stdout.trim();
}

async function runJob(cronJob: string, job: string) {
  await cluster.createJobFromCronJob(ns, cronJob, job);
  const result = await cluster.waitForJob(ns, job, 240_000);
  return { result, logs: await cluster.logs(ns, `job/${job}`) };
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

    const info = await cluster.exec(ns, "pgbackrest-repo-host-0", "pgbackrest", [
      "pgbackrest",
      "--stanza=mcpgov",
      "info",
      "--output=json",
    ]);
    const stanza = findStanza(parseInfo(info.stdout), "mcpgov");
    expect(stanza.status.code).toBe(0);
    expect(stanza.backup.map((b) => b.type)).toEqual(["full", "diff"]);
    expect(stanza.backup[1]?.prior).toBe(stanza.backup[0]?.label);
    const archive = stanza.archive[0];
    expect(archive?.max && archive.max >= (stanza.backup[1]?.archive.stop ?? "")).toBe(true);
  }, 600_000);
});
