// The manifests, unchanged, on the local cluster runner with real PostgreSQL and
// pgBackRest, over the mutual-TLS topology of docs/architecture.md: deploy, stanza-create
// Job, full and differential backups from the CronJobs (two at once too, the second waiting
// for the stanza's lock), continuous WAL archiving, the
// restore-validation CronJob on a good and a damaged repository, and the seed's full and
// point-in-time restores with an exact ledger cut.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readInputs } from "../../src/action/inputs.ts";
import { verifyStep } from "../../src/action/steps/verify.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { waitForNoPods } from "../../src/core/cluster.ts";
import { archiveNow, MCPGOV_DATABASE, waitWritable } from "../../src/core/database.ts";
import { runJobToCompletion } from "../../src/core/jobs.ts";
import { manifestObjects } from "../../src/core/manifests/per-cluster-secrets.ts";
import { RestoreStoppedError, restoreProduction } from "../../src/core/operations/restore.ts";
import { findStanza, parseInfo } from "../../src/core/pgbackrest/info.ts";
import { type Progress, withoutProgress } from "../../src/core/progress.ts";
import { type RestorePins, restoreJobFromCluster } from "../../src/core/restore-job.ts";
import { resumeSchedules } from "../../src/core/schedules.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { damageBackup } from "../support/damage-backup.ts";
import { localClusterForFile, TIMEOUT } from "../support/e2e-cluster.ts";
import { runCronJob } from "../support/jobs.ts";

const ns = "ai-governance";
const events: string[] = [];
const e2e = localClusterForFile({ log: (line) => events.push(line) });
let objects: KubeObject[];

beforeAll(async () => {
  objects = manifestObjects();
  // Up to the stanza-create Job, which the tests below run themselves.
  const first = objects.findIndex((o) => o.kind === "Job");
  await e2e.cluster.apply(objects.slice(0, first));
  await e2e.cluster.waitForPodsReady(ns, { app: "postgres" }, 120_000);
  await e2e.cluster.waitForPodsReady(ns, { "app.kubernetes.io/component": "repo-host" }, 120_000);
}, TIMEOUT.setUp);

const { sql } = e2e;
const runJob = (cronJob: string, job: string) => runCronJob(e2e.cluster, ns, cronJob, job, 240_000);

let restores = 0;

/**
 * The product's restore (the seed's procedure, checked), its Job made from the template
 * the cluster holds (manifests/restore/): the point-in-time one for a target.
 */
async function restore(target?: string, progress: Progress = withoutProgress, pins?: RestorePins) {
  const jobName = `pgbackrest-restore-${++restores}`;
  const request = {
    jobName,
    target,
    ...(pins ? { pins } : {}),
    workloads: [],
    annotations: {},
    timeoutMs: TIMEOUT.job,
  };
  return restoreProduction(e2e.cluster, DEFAULT_SETTINGS, request, progress);
}

const postgresPod = { namespace: ns, pod: "postgres-0", container: "postgres" };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the postgres container said, or "" while it has no pod. */
const postgresLog = () => e2e.cluster.logs(ns, "postgres-0", "postgres").catch(() => "");

/**
 * Stops (SIGSTOP) or continues (SIGCONT) the pgbackrest processes of the Job's pod, found
 * on this machine by the pod's name (its HOSTNAME); how many there were.
 */
function signalPgbackrest(job: string, signal: "SIGSTOP" | "SIGCONT"): number {
  let signalled = 0;
  for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
      if (basename(argv0) !== "pgbackrest") continue;
      const env = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      if (!env.some((v) => v.startsWith(`HOSTNAME=${job}-`))) continue;
      process.kill(Number(pid), signal);
      signalled++;
    } catch {
      // The process ended meanwhile.
    }
  }
  return signalled;
}

/** Whether a pod of statefulset/postgres is ready (its readiness probe: pg_isready). */
async function postgresReady(): Promise<boolean> {
  const pods = await e2e.cluster.list("Pod", ns, { app: "postgres" });
  return pods.some((pod) => (pod.status as { ready?: boolean } | undefined)?.ready === true);
}

describe("the manifests on the local cluster runner", () => {
  it("says once that images are not pulled and host binaries stand in", () => {
    expect(events.filter((e) => e.includes("not pulled"))).toHaveLength(1);
  });

  it("creates the stanza with the stanza-create Job, and `pgbackrest check` proves archiving", async () => {
    await e2e.cluster.apply(objects.filter((o) => o.kind === "Job"));
    const result = await e2e.cluster.waitForJob(ns, "pgbackrest-stanza-create", 240_000);
    const logs = await e2e.cluster.logs(ns, "job/pgbackrest-stanza-create");
    expect(logs).toContain("stanza-create command end: completed successfully");
    expect(logs).toContain("check command end: completed successfully");
    expect(result.outcome).toBe("Complete");
  }, 300_000);

  it("takes a full and then a differential backup from the CronJobs, with WAL archived between", async () => {
    await e2e.cluster.apply(objects.filter((o) => o.kind === "CronJob"));
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
    // The restore templates came with them, suspended, and no Job came of them.
    for (const name of ["pgbackrest-restore", "pgbackrest-restore-pitr"])
      expect((await e2e.cluster.get("CronJob", ns, name))?.spec).toMatchObject({ suspend: true });
    const restoreJobs = { "app.kubernetes.io/component": "restore" };
    expect(await e2e.cluster.list("Job", ns, restoreJobs)).toEqual([]);

    const info = await e2e.cluster.exec(
      { namespace: ns, pod: "pgbackrest-repo-host-0", container: "pgbackrest" },
      ["pgbackrest", "--stanza=mcpgov", "info", "--output=json"],
    );
    const stanza = findStanza(parseInfo(info.stdout), "mcpgov");
    expect(stanza.status.code).toBe(0);
    expect(stanza.backup.map((b) => b.type)).toEqual(["full", "diff"]);
    expect(stanza.backup[1]?.prior).toBe(stanza.backup[0]?.label);
    const archive = stanza.archive[0];
    expect(archive?.max && archive.max >= (stanza.backup[1]?.archive.stop ?? "")).toBe(true);
  }, 600_000);

  it("completes a full and a differential started together: the second waits for the stanza's lock", async () => {
    const [full, diff] = await Promise.all([
      runJob("pgbackrest-full-backup", "pgbackrest-together-full"),
      runJob("pgbackrest-diff-backup", "pgbackrest-together-diff"),
    ]);
    expect([full.result.outcome, diff.result.outcome]).toEqual(["Complete", "Complete"]);
    // One of them found the lock held and tried again.
    expect(`${full.logs}${diff.logs}`).toContain("holds its lock: trying again");
  }, 600_000);

  it("passes the weekly restore validation on the good repository", async () => {
    const { result, logs } = await runJob(
      "pgbackrest-restore-validation",
      "pgbackrest-manual-validation-1",
    );
    expect(logs).toContain("check pass: database mcpgov answers");
    expect(logs).toContain("check pass: pg_amcheck (no corruption in any database)");
    expect(logs).toContain("check pass: application data (database mcpgov)");
    expect(logs).toMatch(/check pass: accepts writes \(transaction \d+\)/);
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
    await archiveNow(e2e.cluster, 60_000, MCPGOV_DATABASE);
    const { jobLog } = await restore();
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
    const written = await e2e.cluster.exec(
      { namespace: ns, pod: "postgres-0", container: "postgres" },
      [...client, ...ledger.flat()],
    );
    expect(written.code).toBe(0);
    await archiveNow(e2e.cluster, 60_000, MCPGOV_DATABASE);
    const rows = (
      await sql(
        "select id || '|' || to_char(at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') from ledger where id > 3000 order by id",
      )
    )
      .split("\n")
      .map((line) => line.split("|"));
    const [cutId, cutAt] = rows[14] ?? [];
    // 50 ms after row 3015 was stamped: it has committed, row 3016 has not started.
    const target = `${new Date(Date.parse(`${cutAt?.replace(" ", "T")}Z`) + 50).toISOString().replace("T", " ").replace("Z", "")}+00`;

    const { jobLog } = await restore(target);
    expect(jobLog).toContain("--type=time");
    expect(jobLog).toContain("restore command end: completed successfully");
    expect(await sql("select max(id) from ledger")).toBe(cutId);
    expect(await sql("select count(*) from ledger where id > 3000")).toBe("15");
    expect(await sql("select count(*) from ledger")).toBe("2515");
    await sql("insert into ledger (id) values (9999)");
    expect(await sql("select timeline_id > 1 from pg_control_checkpoint()")).toBe("t");
    // Recovery fetched WAL ahead through the spool, as postgres-host.conf asks.
    const logFiles = await e2e.cluster.exec(
      { namespace: ns, pod: "postgres-0", container: "postgres" },
      ["ls", "/var/log/pgbackrest"],
    );
    expect(logFiles.stdout).toContain("mcpgov-archive-get-async.log");
  }, 600_000);

  it("a restore during which statefulset/postgres is scaled back to 1 never starts PostgreSQL on the half-restored directory", async () => {
    await sql("insert into ledger (id) select generate_series(20001, 20500)");
    await archiveNow(e2e.cluster, 60_000, MCPGOV_DATABASE);
    const seen = { refusals: 0, refused: "", readyMidRestore: false, startedMidRestore: false };
    const postmasterPid = join(e2e.cluster.claimPath(ns, "postgres-data"), "pgdata/postmaster.pid");
    // GitOps self-heal (or a person) sets replicas back to 1 while the restore Job writes
    // PGDATA. The Job's pgbackrest is held (SIGSTOP) half way, so that the pod's starts
    // surely meet a half-restored directory, then let go.
    const selfHeal: Progress = async (step, work) => {
      if (!step.startsWith("restore to")) return work();
      const job = `pgbackrest-restore-${restores}`;
      let done = false;
      const watch = (async () => {
        while (
          !(await e2e.cluster.logs(ns, `job/${job}`).catch(() => "")).includes(
            "restore command begin",
          )
        ) {
          if (done) throw new Error(`job/${job} ended before it began restoring`);
          await sleep(50);
        }
        expect(signalPgbackrest(job, "SIGSTOP")).toBeGreaterThan(0);
        try {
          await e2e.cluster.scale(ns, "StatefulSet", "postgres", 1);
          const deadline = Date.now() + 60_000;
          // Refused, retried (backoff 1 s), refused again: never ready, never a postmaster.
          while (seen.refusals < 2 && Date.now() < deadline) {
            if (await postgresReady()) seen.readyMidRestore = true;
            if (existsSync(postmasterPid)) seen.startedMidRestore = true;
            seen.refused = await postgresLog();
            seen.refusals = seen.refused.split("restore in progress").length - 1;
            await sleep(100);
          }
        } finally {
          signalPgbackrest(job, "SIGCONT");
        }
      })();
      try {
        return await work();
      } finally {
        done = true;
        await watch;
      }
    };
    const { jobLog } = await restore(undefined, selfHeal);
    expect(seen.readyMidRestore).toBe(false);
    expect(seen.startedMidRestore).toBe(false);
    // The postgres container refused, said why and what to do, and was retried: it exited non-zero.
    expect(seen.refusals).toBeGreaterThanOrEqual(2);
    expect(seen.refused).toContain("mcpgov-backup-restore-in-progress");
    expect(seen.refused).toContain("docs/restore.md");
    expect(jobLog).toContain("restore command end: completed successfully");
    // Production started after the restore, whole: every row, no corruption.
    expect(await sql("select count(*) from ledger where id > 20000")).toBe("500");
    const check = await e2e.cluster.exec(postgresPod, [
      "pg_amcheck",
      "-U",
      "postgres",
      "--all",
      "--install-missing",
      "--heapallindexed",
    ]);
    expect(check.stderr + check.stdout).toBe("");
    expect(check.code).toBe(0);
  }, 600_000);

  it("a failed restore leaves the data directory marked: PostgreSQL stays down until a restore completes", async () => {
    const failed = await restore(undefined, withoutProgress, {
      stanza: "mcpgov",
      repo: 1,
      set: "20000101-000000F",
    }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(RestoreStoppedError);
    const stopped = failed as RestoreStoppedError;
    expect(stopped.stage).toBe("the restore Job");
    expect(stopped.productionDown).toBe(true);
    // Whoever scales it back: the pod starts, refuses, and is retried (CrashLoopBackOff).
    await e2e.cluster.scale(ns, "StatefulSet", "postgres", 1);
    const deadline = Date.now() + 60_000;
    // Refused, retried (backoff 1 s, then 2 s), refused again, and never ready.
    while ((await postgresLog()).split("restore in progress").length < 3) {
      if (Date.now() > deadline)
        throw new Error("the postgres container was not refused twice in 60 s");
      await sleep(250);
    }
    expect(await postgresReady()).toBe(false);
    // Finishing the restore by hand (docs/restore.md, steps 2 to 4) removes the mark, and
    // production starts: the newest state, every row.
    await e2e.cluster.scale(ns, "StatefulSet", "postgres", 0);
    await waitForNoPods(e2e.cluster, ns, { app: "postgres" }, 60_000);
    const job = await restoreJobFromCluster(e2e.cluster, ns, {
      name: `pgbackrest-restore-${++restores}`,
      annotations: {},
    });
    const { logs } = await runJobToCompletion(e2e.cluster, job, TIMEOUT.job, "the restore");
    expect(logs).toContain("restore command end: completed successfully");
    await e2e.cluster.scale(ns, "StatefulSet", "postgres", 1);
    await e2e.cluster.waitForPodsReady(ns, { app: "postgres" }, 120_000);
    await waitWritable(e2e.cluster, 120_000, MCPGOV_DATABASE);
    expect(await sql("select count(*) from ledger where id > 20000")).toBe("500");
    await resumeSchedules(e2e.cluster, ns, stopped.paused);
  }, 600_000);

  it("fails the restore validation on a damaged repository, naming the cause", async () => {
    // A new full backup on the new timeline, then one of its files damaged.
    const full = await runJob("pgbackrest-full-backup", "pgbackrest-manual-full-2");
    expect(full.result.outcome).toBe("Complete");
    const backups = join(e2e.cluster.claimPath(ns, "pgbackrest-repo"), "backup/mcpgov");
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
    const outcome = await step({
      cluster: e2e.cluster,
      inputs,
      settings: DEFAULT_SETTINGS,
      annotations: {},
      log: () => {},
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toContain(
      "the latest run of CronJob pgbackrest-restore-validation, job/pgbackrest-manual-validation-2, failed",
    );
    // The restore templates are suspended as the manifests say, and their Jobs are restores'.
    expect(outcome.detail).not.toMatch(/CronJob pgbackrest-restore(-pitr)?[ ,]/);
  }, 60_000);
});
