// Clones on the local cluster runner, with real PostgreSQL and pgBackRest: a clone at a
// moment between two writes holds exactly the rows before it while production keeps every
// row and goes on taking writes; the clone can neither archive nor reach the repository
// (every file the repository had is byte-identical after the clone's whole life, and
// nothing new is on the clone's timeline); when its time is up, nothing of it is left.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLONE_KINDS, CLONE_LABEL, listClones, reapExpiredClones } from "../../src/core/clone.ts";
import { type DatabaseTarget, psql } from "../../src/core/database.ts";
import { createClone } from "../../src/core/operations/clone.ts";
import { planRestore } from "../../src/core/operations/restore-plan.ts";
import { DEFAULT_SETTINGS, withoutProgress } from "../../src/core/operations/settings.ts";
import { deployForBackups } from "../../src/local/deploy.ts";
import { LocalCluster } from "../../src/local/runner/local-cluster.ts";
import { requireComplete, runCronJob } from "../support/jobs.ts";

const NS = DEFAULT_SETTINGS.namespace;
let cluster: LocalCluster;
const sql = (query: string) => psql(cluster, query);

/** Every file of the repository and its SHA-256, by path below the repository. */
function repositoryFiles(): Map<string, string> {
  const root = cluster.claimPath(NS, "pgbackrest-repo");
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else
        files.set(
          relative(root, path),
          createHash("sha256").update(readFileSync(path)).digest("hex"),
        );
    }
  };
  walk(root);
  return files;
}

beforeAll(async () => {
  cluster = await LocalCluster.start();
  await deployForBackups(cluster);
  await sql("create table ledger (id bigint primary key, note text not null)");
  requireComplete(
    "the full backup",
    await runCronJob(cluster, NS, "pgbackrest-full-backup", "full-1", 300_000),
  );
  await new Promise((resolve) => setTimeout(resolve, 1100));
}, 600_000);

afterAll(async () => {
  await cluster?.shutdown();
}, 60_000);

describe("clones", () => {
  it("holds exactly the rows before its point, apart from production, and leaves nothing when its time is up", async () => {
    // Forty rows, one transaction each; the point lies between the 25th and the 26th.
    let point = "";
    for (let id = 1; id <= 40; id++) {
      await sql(`insert into ledger values (${id}, 'row ${id}')`);
      if (id === 25) {
        point = await sql(
          `select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'`,
        );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const before = repositoryFiles();

    const plan = await planRestore(cluster, DEFAULT_SETTINGS, { time: point }, withoutProgress);
    const clone = await createClone(
      cluster,
      DEFAULT_SETTINGS,
      {
        id: "ledger25",
        plan,
        database: "mcpgov",
        ttlMs: 3_600_000,
        annotations: {},
        timeoutMs: 300_000,
      },
      withoutProgress,
    );
    expect(clone.name).toBe("mcpgov-clone-ledger25");
    expect(clone.report.status).toBe("passed");
    const [pod] = await cluster.list("Pod", NS, {
      [CLONE_LABEL]: "ledger25",
      "app.kubernetes.io/component": "clone",
    });
    const inClone: DatabaseTarget = {
      namespace: NS,
      pod: pod?.metadata.name ?? "",
      container: "postgres",
      database: "mcpgov",
    };
    const cloneSql = (query: string) => psql(cluster, query, inClone);

    expect(await cloneSql("select count(*), min(id), max(id) from ledger")).toBe("25|1|25");
    expect(await cloneSql("select pg_is_in_recovery(), current_setting('archive_mode')")).toBe(
      "f|off",
    );
    // Production has every row and goes on taking writes while the clone runs.
    expect(await sql("select count(*), max(id) from ledger")).toBe("40|40");
    await sql("insert into ledger values (41, 'after the clone')");
    expect(await sql("select count(*) from ledger")).toBe("41");

    // The clone's pod has no pgBackRest configuration, certificate or Secret to reach the
    // repository with; writing and switching WAL there archives nothing.
    const noConfig = await cluster.exec(
      { namespace: NS, pod: inClone.pod, container: "postgres" },
      ["sh", "-c", "ls /etc/pgbackrest 2>&1; env | grep -c PGBACKREST || true"],
    );
    expect(noConfig.stdout).toMatch(/No such file or directory\n0\n$/);
    await cloneSql("insert into ledger values (999, 'only in the clone')");
    await cloneSql("select pg_switch_wal()");
    await sql("select pg_switch_wal()");
    await new Promise((resolve) => setTimeout(resolve, 2000));

    const after = repositoryFiles();
    const changed = [...before].filter(([path, hash]) => after.get(path) !== hash);
    expect(changed).toEqual([]);
    // What is new is production's own WAL, on production's timeline.
    const cloneTimeline = (clone.report.recovery?.timeline ?? 0).toString(16).toUpperCase();
    const added = [...after.keys()].filter((path) => !before.has(path));
    expect(added.length).toBeGreaterThan(0);
    for (const path of added) {
      expect(path).toMatch(/^archive\/mcpgov\/15-1\/[0-9A-F]{16}\/[0-9A-F]{24}-[0-9a-f]{40}/);
      expect(path.split("/").at(-1)?.slice(0, 8)).not.toBe(cloneTimeline.padStart(8, "0"));
    }

    // The time to live: everything of the clone goes, from the claim to the policy.
    expect((await listClones(cluster, NS)).map((c) => c.id)).toEqual(["ledger25"]);
    expect(await reapExpiredClones(cluster, NS, Date.now())).toEqual([]);
    expect(await reapExpiredClones(cluster, NS, Date.parse(clone.expiresAt) + 1000)).toEqual([
      "ledger25",
    ]);
    for (const kind of [...CLONE_KINDS, "Pod"])
      expect([kind, await cluster.list(kind, NS, { [CLONE_LABEL]: "ledger25" })]).toEqual([
        kind,
        [],
      ]);
    expect(await listClones(cluster, NS)).toEqual([]);
  }, 900_000);
});
