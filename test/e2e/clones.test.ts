// Clones on the local cluster runner, with real PostgreSQL and pgBackRest: a clone at a
// moment between two writes holds exactly the rows before it while production keeps every
// row and goes on taking writes; the clone can neither archive nor reach the repository
// (every file the repository had is byte-identical after the clone's whole life, and
// nothing new is on the clone's timeline); when its time is up, nothing of it is left.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CLONE_KINDS,
  cloneRestoreJobName,
  listClones,
  reapExpiredClones,
  SERVER_KEPT_SECONDS,
} from "../../src/core/clone-objects.ts";
import { type KubeObject, waitForNoPods } from "../../src/core/cluster.ts";
import { type DatabaseTarget, MCPGOV_DATABASE, psql } from "../../src/core/database.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { CLONE_LABEL } from "../../src/core/names/labels.ts";
import { createClone } from "../../src/core/operations/clone.ts";
import { markRestorePoint } from "../../src/core/operations/mark.ts";
import { planRestore } from "../../src/core/operations/restore-plan.ts";
import { parseTableRef, restoreTable } from "../../src/core/operations/restore-table.ts";
import { projectPath } from "../../src/core/paths.ts";
import { withoutProgress } from "../../src/core/progress.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { botPolicies, refusals } from "../support/admission.ts";
import { BOT } from "../support/bot-jobs.ts";
import { localClusterForFile, nextSecond, TIMEOUT } from "../support/e2e-cluster.ts";

const NS = DEFAULT_SETTINGS.namespace;
// The clone's NetworkPolicy is enforced, as a cluster's network plugin would.
const e2e = localClusterForFile({ deploy: true, enforceIngressPolicies: true });
const { sql } = e2e;

/** Every file of the repository and its SHA-256, by path below the repository. */
function repositoryFiles(): Map<string, string> {
  const root = e2e.cluster.claimPath(NS, "pgbackrest-repo");
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
  await sql("create table ledger (id bigint primary key, note text not null)");
  // A second database, which a clone of mcpgov alone leaves out.
  await sql("create database reports", { ...MCPGOV_DATABASE, database: "postgres" });
  await e2e.fullBackup();
  await nextSecond();
}, TIMEOUT.setUp);

describe("clones", { timeout: TIMEOUT.test }, () => {
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

    const plan = await planRestore(e2e.cluster, DEFAULT_SETTINGS, { time: point }, withoutProgress);
    const clone = await createClone(
      e2e.cluster,
      DEFAULT_SETTINGS,
      {
        id: "ledger25",
        plan,
        database: "mcpgov",
        ttlMs: 3_600_000,
        annotations: {},
        timeoutMs: TIMEOUT.job,
      },
      withoutProgress,
    );
    expect(clone.name).toBe("mcpgov-clone-ledger25");
    expect(clone.report.status).toBe("passed");
    // The runner evaluates no admission policy: what it holds of the clone, made by the
    // builders the bot uses too, is evaluated here against the bot's, as a bot's request.
    const [params] = loadManifestFile(projectPath("manifests/bot-target/bot-policy-params.yaml"));
    const policies = botPolicies();
    const evaluated: string[] = [];
    for (const kind of CLONE_KINDS)
      for (const object of await e2e.cluster.list(kind, NS, { [CLONE_LABEL]: "ledger25" })) {
        evaluated.push(kind);
        const policy = policies.get(`mcpgov-backup-bot-${kind === "Job" ? "jobs" : "objects"}`);
        const request = { username: BOT, operation: "CREATE" as const, object };
        const refused = refusals(policy, {
          ...request,
          params: (params?.object as KubeObject | undefined) ?? null,
        });
        expect([`${kind}/${object.metadata.name}`, refused]).toEqual([
          `${kind}/${object.metadata.name}`,
          [],
        ]);
      }
    // The server Job, its claim, Service and NetworkPolicy at least.
    expect(new Set(evaluated)).toEqual(new Set(CLONE_KINDS));
    const [pod] = await e2e.cluster.list("Pod", NS, {
      [CLONE_LABEL]: "ledger25",
      "app.kubernetes.io/component": "clone",
    });
    const inClone: DatabaseTarget = {
      namespace: NS,
      pod: pod?.metadata.name ?? "",
      container: "postgres",
      database: "mcpgov",
    };
    const cloneSql = (query: string) => psql(e2e.cluster, query, inClone);

    expect(await cloneSql("select count(*), min(id), max(id) from ledger")).toBe("25|1|25");
    expect(await cloneSql("select pg_is_in_recovery(), current_setting('archive_mode')")).toBe(
      "f|off",
    );
    // Only mcpgov (and the system databases) was restored: the other is not there to read.
    await expect(
      psql(e2e.cluster, "select 1", { ...inClone, database: "reports" }),
    ).rejects.toThrow(/FATAL/);
    expect(await sql("select count(*) from pg_database where datname = 'reports'")).toBe("1");
    // Production has every row and goes on taking writes while the clone runs.
    expect(await sql("select count(*), max(id) from ledger")).toBe("40|40");
    await sql("insert into ledger values (41, 'after the clone')");
    expect(await sql("select count(*) from ledger")).toBe("41");

    // The clone's pod has no pgBackRest configuration, certificate or Secret to reach the
    // repository with; writing and switching WAL there archives nothing.
    const noConfig = await e2e.cluster.exec(
      { namespace: NS, pod: inClone.pod, container: "postgres" },
      ["sh", "-c", "ls /etc/pgbackrest 2>&1; env | grep -c PGBACKREST || true"],
    );
    expect(noConfig.stdout).toMatch(/No such file or directory\n0\n$/);
    // Inside the cluster, only the pods the clone's NetworkPolicy admits reach it: the
    // client pod of manifests/clone/ does, the repository host does not.
    const [client] = loadManifestFile(projectPath("manifests/clone/mcpgov-clone-client.yaml"));
    const clientPod = structuredClone(client?.object as KubeObject);
    clientPod.metadata.namespace = NS;
    await e2e.cluster.apply([clientPod]);
    await e2e.cluster.waitForPodsReady(NS, { "mcpgov-backup/clone-access": "true" }, 60_000);
    const secret = (await e2e.cluster.get("Secret", NS, "postgres-secret")) as KubeObject & {
      stringData?: Record<string, string>;
      data?: Record<string, string>;
    };
    const password =
      secret.stringData?.POSTGRES_PASSWORD ??
      Buffer.from(secret.data?.POSTGRES_PASSWORD ?? "", "base64").toString();
    const overNetwork = (pod: string, container: string) =>
      e2e.cluster.exec({ namespace: NS, pod, container }, [
        "env",
        `PGPASSWORD=${password}`,
        "PGCONNECT_TIMEOUT=3",
        "psql",
        "-h",
        clone.name,
        "-U",
        "postgres",
        "-d",
        "mcpgov",
        "-Atc",
        "select count(*) from ledger",
      ]);
    expect(await overNetwork("mcpgov-clone-client", "psql")).toMatchObject({
      code: 0,
      stdout: "25\n",
    });
    const stranger = await overNetwork("pgbackrest-repo-host-0", "pgbackrest");
    expect(stranger.code).not.toBe(0);
    await e2e.cluster.delete("Pod", NS, "mcpgov-clone-client");

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
    expect((await listClones(e2e.cluster, NS)).map((c) => c.id)).toEqual(["ledger25"]);
    expect(await reapExpiredClones(e2e.cluster, NS, Date.now())).toEqual([]);
    expect(await reapExpiredClones(e2e.cluster, NS, Date.parse(clone.expiresAt) + 1000)).toEqual([
      "ledger25",
    ]);
    for (const kind of [...CLONE_KINDS, "Pod"])
      expect([kind, await e2e.cluster.list(kind, NS, { [CLONE_LABEL]: "ledger25" })]).toEqual([
        kind,
        [],
      ]);
    expect(await listClones(e2e.cluster, NS)).toEqual([]);
  });

  it("brings a table dropped by mistake back beside production, which keeps every later write", async () => {
    await sql("create table governance_policies (id int primary key, rule text not null)");
    await sql(
      "insert into governance_policies select n, 'rule ' || n from generate_series(1, 12) n",
    );
    await sql("create table audit_log (id serial primary key, what text not null)");
    await sql("insert into audit_log (what) values ('before the cleanup')");
    const mark = await markRestorePoint(
      e2e.cluster,
      DEFAULT_SETTINGS,
      { name: "before-cleanup", timeoutMs: 120_000 },
      withoutProgress,
    );
    // The mistake, between other writes that must survive it.
    await sql("insert into audit_log (what) values ('cleanup started')");
    await sql("insert into governance_policies values (13, 'written after the mark')");
    await sql("drop table governance_policies");
    await sql("insert into audit_log (what) values ('after the drop')");
    await sql("insert into ledger values (42, 'after the drop')");

    const plan = await planRestore(
      e2e.cluster,
      DEFAULT_SETTINGS,
      { time: "mark:before-cleanup" },
      withoutProgress,
    );
    const steps: string[] = [];
    const result = await restoreTable(
      e2e.cluster,
      DEFAULT_SETTINGS,
      {
        table: parseTableRef("public.governance_policies"),
        plan,
        cloneId: "table1",
        annotations: {},
        timeoutMs: TIMEOUT.job,
      },
      (step, work) => {
        steps.push(step);
        return work();
      },
    );
    const copy = `public.governance_policies_restored_${mark.createdAt.slice(0, 19).replace(/[-:]/g, "").toLowerCase()}`;
    expect(result).toMatchObject({
      database: "mcpgov",
      restoredAs: copy,
      rowsAtPoint: 12,
      rowsCopied: 12,
      liveRows: null,
    });
    expect(result.sql.swap).toBe(`alter table ${copy} rename to governance_policies;`);
    expect(
      await sql(
        `select count(*), max(id), count(*) filter (where rule = 'rule ' || id) from ${copy}`,
      ),
    ).toBe("12|12|12");
    // Production was never stopped: every write after the mark is still there.
    expect(await sql("select string_agg(what, ',' order by id) from audit_log")).toBe(
      "before the cleanup,cleanup started,after the drop",
    );
    expect(await sql("select count(*), max(id) from ledger")).toBe("42|42");
    expect(await sql("select to_regclass('public.governance_policies') is null")).toBe("t");
    // The clone it came from is gone.
    expect(steps.at(-1)).toBe("remove the clone mcpgov-clone-table1");
    expect(await listClones(e2e.cluster, NS)).toEqual([]);

    // Again to the same point: refused, nothing written over.
    await expect(
      restoreTable(
        e2e.cluster,
        DEFAULT_SETTINGS,
        {
          table: parseTableRef("public.governance_policies"),
          plan,
          cloneId: "table2",
          annotations: {},
          timeoutMs: TIMEOUT.job,
        },
        withoutProgress,
      ),
    ).rejects.toThrow(/exists already/);
    expect(await listClones(e2e.cluster, NS)).toEqual([]);
  });

  it("leaves production without the copy when the copy is cut off midway, says so, and copies it whole on a retry", async () => {
    await sql("create table policy_rules (id int primary key, rule text not null)");
    await sql("insert into policy_rules select n, 'rule ' || n from generate_series(1, 20000) n");
    await markRestorePoint(
      e2e.cluster,
      DEFAULT_SETTINGS,
      { name: "before-purge", timeoutMs: 120_000 },
      withoutProgress,
    );
    await sql("delete from policy_rules where id % 10 = 0");
    const plan = await planRestore(
      e2e.cluster,
      DEFAULT_SETTINGS,
      { time: "mark:before-purge" },
      withoutProgress,
    );
    // The copy's pg_dump stops after 5,000 of the 20,000 rows, as one killed by the
    // clone's deadline or a /restore drop would: deterministic, not a race against a
    // stream that ends in under a second. Everything else is the cluster as it is.
    const cutAfter5000Rows = `pg_dump() { command pg_dump "$@" | awk '{ print } /^COPY .* FROM stdin;$/ { rows = 1; next } rows && ++seen >= 5000 { exit }'; return 1; }\n`;
    const cutting = new Proxy(e2e.cluster, {
      get(target, property) {
        if (property === "exec")
          return (where: DatabaseTarget, command: string[]) =>
            target.exec(
              where,
              command[3] === "restore-table"
                ? [
                    command[0] ?? "",
                    command[1] ?? "",
                    cutAfter5000Rows + command[2],
                    ...command.slice(3),
                  ]
                : command,
            );
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const request = (cloneId: string) => ({
      table: parseTableRef("public.policy_rules"),
      plan,
      cloneId,
      annotations: {},
      timeoutMs: TIMEOUT.job,
    });
    await expect(
      restoreTable(cutting, DEFAULT_SETTINGS, request("cut1"), withoutProgress),
    ).rejects.toThrow(
      /copying public\.policy_rules from the clone failed .*Production has no mcpgov\.public\.policy_rules_restored_\d{8}t\d{6} \(checked\): nothing was written, and planning again retries/s,
    );
    expect(
      await sql("select count(*) from pg_class where relname like 'policy_rules_restored_%'"),
    ).toBe("0");
    expect(await listClones(e2e.cluster, NS)).toEqual([]);

    const result = await restoreTable(
      e2e.cluster,
      DEFAULT_SETTINGS,
      request("cut2"),
      withoutProgress,
    );
    expect(result).toMatchObject({ rowsAtPoint: 20000, rowsCopied: 20000, liveRows: 18000 });
    expect(await sql(`select count(*), sum(id) from ${result.restoredAs}`)).toBe("20000|200010000");
    expect(result.sql.merge).toMatchObject({ offered: true, missingRows: 2000 });
    expect(await listClones(e2e.cluster, NS)).toEqual([]);
  });

  it("stops serving by itself when its time is up, and goes with its claim, with no bot or Action there", async () => {
    const plan = await planRestore(
      e2e.cluster,
      DEFAULT_SETTINGS,
      { time: "latest" },
      withoutProgress,
    );
    const clone = await createClone(
      e2e.cluster,
      DEFAULT_SETTINGS,
      { id: "short", plan, ttlMs: 60_000, annotations: {}, timeoutMs: TIMEOUT.job },
      withoutProgress,
    );
    const server = { [CLONE_LABEL]: "short", "app.kubernetes.io/component": "clone" };
    expect(await e2e.cluster.list("Pod", NS, server)).toHaveLength(1);
    // Kubernetes ends the server at its deadline (activeDeadlineSeconds): nothing else runs here.
    const ended = await e2e.cluster.waitForJob(NS, clone.name, 180_000);
    expect(ended).toMatchObject({ outcome: "Failed", reason: "DeadlineExceeded" });
    await waitForNoPods(e2e.cluster, NS, server, 30_000);
    // What is left goes with no bot or Action either: the server Job a minute after its
    // deadline (ttlSecondsAfterFinished), and the claim, Service and policy with the restore
    // Job that owns them when its time (the clone's) is up and the server Job has gone, by
    // the garbage collector. Those times, as the clone set them, first; then, not to wait
    // the three minutes they add up to, each shortened to seconds, as `kubectl patch` would.
    type Ended = KubeObject & {
      spec: { ttlSecondsAfterFinished: number; activeDeadlineSeconds?: number };
      status: { completionTime?: string };
    };
    const job = async (name: string) => (await e2e.cluster.get("Job", NS, name)) as Ended;
    const serverJob = await job(clone.name);
    const restoreJob = await job(cloneRestoreJobName("short"));
    expect(serverJob.spec).toMatchObject({
      activeDeadlineSeconds: 60,
      ttlSecondsAfterFinished: SERVER_KEPT_SECONDS,
    });
    // A failed Job shows no completionTime: the server's end is when the wait saw it.
    const serverEnd = Date.parse(ended.completionTime ?? "");
    const restoreEnd = Date.parse(restoreJob.status.completionTime ?? "");
    expect(restoreEnd + restoreJob.spec.ttlSecondsAfterFinished * 1000).toBeGreaterThanOrEqual(
      Date.parse(clone.expiresAt) + 2 * SERVER_KEPT_SECONDS * 1000,
    );
    const goesIn = async (ended: Ended, endedAt: number, seconds: number) => {
      const ttlSecondsAfterFinished = Math.ceil((Date.now() - endedAt) / 1000) + seconds;
      await e2e.cluster.apply([{ ...ended, spec: { ...ended.spec, ttlSecondsAfterFinished } }]);
      const until = Date.now() + (seconds + 30) * 1000;
      while ((await e2e.cluster.get("Job", NS, ended.metadata.name)) && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 500));
    };
    await goesIn(serverJob, serverEnd, 2);
    // The server Job alone: its data is the restore Job's, and stays with it.
    expect((await listClones(e2e.cluster, NS)).map((c) => c.objects.sort())).toEqual([
      [...CLONE_KINDS]
        .map((kind) => `${kind}/${kind === "Job" ? restoreJob.metadata.name : clone.name}`)
        .sort(),
    ]);
    await goesIn(restoreJob, restoreEnd, 2);
    // The garbage collector follows the Job it removed.
    const deadline = Date.now() + 30_000;
    while ((await listClones(e2e.cluster, NS)).length > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await listClones(e2e.cluster, NS)).toEqual([]);
    expect(existsSync(e2e.cluster.claimPath(NS, clone.name))).toBe(false);
    expect(await reapExpiredClones(e2e.cluster, NS)).toEqual([]);
  });
});
