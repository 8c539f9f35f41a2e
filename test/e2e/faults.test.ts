// Faults during backups, with real PostgreSQL and pgBackRest and the manifests'
// configuration and commands: a backup killed half way, two backups at once, a full
// repository volume, PostgreSQL restarted under a backup. In each, nothing that was
// backed up before is lost, no partial backup is ever listed as good, the failure says
// what happened, and the next backup succeeds. docs/reliability.md is the record.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { explainPgbackrest } from "../../src/core/pgbackrest/errors.ts";
import { findStanza, parseInfo, validBackups } from "../../src/core/pgbackrest/info.ts";
import { makeServiceDir, makeServiceSubdir, serviceUser } from "../../src/local/host.ts";
import { jobCommand } from "../../src/local/lab/first-run.ts";
import { PgHost } from "../../src/local/lab/pg-host.ts";
import { stagedForService } from "../../src/local/lab/stage.ts";
import { TIMEOUT } from "../support/e2e-cluster.ts";
import { MANIFESTS, pgHostForFile } from "../support/e2e-pg-host.ts";
import { restoreToTime } from "../support/pitr.ts";
import { RepoHost } from "../support/repo-host.ts";

const manifestsDir = MANIFESTS;
const fullBackup = jobCommand(manifestsDir, "schedules/pgbackrest-full-backup-cronjob.yaml");
const diffBackup = jobCommand(manifestsDir, "schedules/pgbackrest-diff-backup-cronjob.yaml");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const e2e = pgHostForFile({ stanza: true });

async function stanza(host = e2e.db) {
  const { stdout } = await host.run(["pgbackrest", "--stanza=mcpgov", "--output=json", "info"]);
  return findStanza(parseInfo(stdout), "mcpgov");
}

/** Starts a command in the background as the postgres user; its pid is in the returned file. */
function background(host: PgHost, argv: string[], name: string) {
  const pidFile = join(host.dir, `${name}.pid`);
  const script = `echo $$ > ${pidFile}; exec "$@"`;
  const done = host.run(["bash", "-c", script, "bash", ...argv], { allowFailure: true });
  return { pidFile, done };
}

/** Waits until a backup is copying files: its directory in the repository exists. */
async function backupUnderway(host: PgHost, before: string[]): Promise<void> {
  const dir = join(host.repoPath, "backup", "mcpgov");
  const deadline = Date.now() + 30_000;
  for (;;) {
    const labels = existsSync(dir) ? readdirSync(dir).filter((f) => /^\d{8}-\d{6}F/.test(f)) : [];
    if (labels.some((l) => !before.includes(l))) return;
    if (Date.now() > deadline) throw new Error("the backup did not start within 30 s");
    await sleep(50);
  }
}

const labelsOnDisk = (host: PgHost) => {
  const dir = join(host.repoPath, "backup", "mcpgov");
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^\d{8}-\d{6}F/.test(f)) : [];
};

beforeAll(async () => {
  // Enough data that a backup takes a few seconds: about 150 MB.
  await e2e.db.run(
    ["pgbench", "--initialize", "--scale=10", "--quiet", "--host", e2e.db.socketDir].concat([
      "--port",
      String(e2e.db.port),
      "--username=postgres",
      "postgres",
    ]),
  );
  await e2e.db.run(fullBackup);
}, TIMEOUT.setUp);

describe("a backup killed half way", () => {
  it("is never listed as good; the next backup succeeds; validation uses the last good one", async () => {
    const good = validBackups(await stanza()).at(-1)?.label;
    expect(good).toBeDefined();
    const before = labelsOnDisk(e2e.db);
    const { pidFile, done } = background(e2e.db, fullBackup, "killed");
    await backupUnderway(e2e.db, before);
    const pid = readFileSync(pidFile, "utf8").trim();
    // SIGKILL to the backup and its worker processes at once: no chance to clean up, as
    // when a node dies or a Job's deadline kills the pod.
    const workers = spawnSync("pgrep", ["-P", pid], { encoding: "utf8" }).stdout.split("\n");
    spawnSync("kill", ["-KILL", pid, ...workers.filter(Boolean)]);
    const killed = await done;
    expect(killed.code).not.toBe(0);

    const after = await stanza();
    expect(validBackups(after).map((b) => b.label)).toEqual([good]);
    expect(after.backup.filter((b) => b.label !== good)).toEqual([]);
    // The restore validation picks the last good backup, and it restores.
    const scratch = join(e2e.db.dir, "scratch-killed");
    makeServiceSubdir(scratch);
    const report = join(scratch, "report.json");
    await e2e.db.run(
      [stagedForService("scripts", "restore-validation.sh"), "--scratch", scratch].concat([
        "--report",
        report,
        "--timeout",
        "120",
      ]),
    );
    expect(JSON.parse(readFileSync(report, "utf8")).backup.label).toBe(good);

    const next = await e2e.db.run(fullBackup);
    expect(next.stdout + next.stderr).toContain("backup command end: completed successfully");
    expect(validBackups(await stanza())).toHaveLength(2);
  }, 180_000);
});

describe("two backups at once", () => {
  // pgBackRest's own behaviour, bare: the CronJobs wait for the lock instead (backup-lock.test.ts).
  it("refuses the second with a lock message that says what is going on; the first completes", async () => {
    const count = validBackups(await stanza()).length;
    const before = labelsOnDisk(e2e.db);
    const first = background(e2e.db, fullBackup, "first");
    await backupUnderway(e2e.db, before);
    const second = await e2e.db.run(diffBackup, { allowFailure: true });
    expect(second.code).not.toBe(0);
    const said = second.stdout + second.stderr;
    expect(said).toMatch(/ERROR: \[050\]: unable to acquire lock/);
    expect(explainPgbackrest(said)).toMatch(
      /^another pgBackRest command holds stanza mcpgov's lock/,
    );
    const done = await first.done;
    expect(done.stdout + done.stderr).toContain("backup command end: completed successfully");
    expect(validBackups(await stanza())).toHaveLength(count + 1);
  }, 180_000);
});

describe("PostgreSQL restarted during a backup", () => {
  it("fails that backup with a clear error, keeps the earlier ones, and the next one succeeds", async () => {
    const good = validBackups(await stanza()).map((b) => b.label);
    const before = labelsOnDisk(e2e.db);
    const backup = background(e2e.db, fullBackup, "restarted");
    await backupUnderway(e2e.db, before);
    await e2e.db.run(["pg_ctl", "--pgdata", e2e.db.pgdata, "--mode=fast", "--wait", "stop"]);
    await e2e.db.start();
    const failed = await backup.done;
    expect(failed.code).not.toBe(0);
    expect(failed.stdout + failed.stderr).toMatch(/ERROR: \[\d+\]: /);
    expect(validBackups(await stanza()).map((b) => b.label)).toEqual(good);
    const next = await e2e.db.run(diffBackup);
    expect(next.stdout + next.stderr).toContain("backup command end: completed successfully");
  }, 180_000);
});

describe("the repository volume full", () => {
  let host: PgHost;
  let mount = "";
  let good: string[] = [];

  afterAll(async () => {
    await host?.destroy(); // unmounts the volume, then removes the directory
  });

  /** The earlier backup still restores: the validation passes on it. */
  async function earlierBackupRestores(name: string) {
    const scratch = join(host.dir, name);
    makeServiceSubdir(scratch);
    const report = join(scratch, "report.json");
    const validation = await host.run(
      [stagedForService("scripts", "restore-validation.sh"), "--scratch", scratch].concat([
        "--report",
        report,
        "--timeout",
        "120",
      ]),
      { allowFailure: true },
    );
    const parsed = JSON.parse(readFileSync(report, "utf8"));
    expect({ status: parsed.status, label: parsed.backup?.label }).toEqual({
      status: "passed",
      label: good.at(-1),
    });
    expect(validation.code).toBe(0);
  }

  beforeAll(async () => {
    // A repository on its own 64 MiB volume, with one good backup in it.
    host = await PgHost.create({ manifestsDir });
    mount = join(host.dir, "small-repo");
    makeServiceSubdir(mount);
    const { uid, gid } = serviceUser();
    execFileSync(
      "mount",
      ["-t", "tmpfs", "-o", `size=64m,mode=0700,uid=${uid},gid=${gid}`].concat(["tmpfs", mount]),
    );
    Object.assign(host.env, { PGBACKREST_REPO1_PATH: mount });
    await host.initdb();
    await host.start();
    await host.run(jobCommand(manifestsDir, "pgbackrest-stanza-create-job.yaml"));
    await host.sql("create table ledger (id bigint primary key, note text)");
    await host.sql("insert into ledger select n, 'before' from generate_series(1, 1000) n");
    await host.run(fullBackup);
    good = validBackups(await stanza(host)).map((b) => b.label);
  }, 180_000);

  it("fails a backup that does not fit with a clear message; the earlier one stays and restores", async () => {
    // Something else fills the volume to within 1 MiB.
    const free = Number(
      execFileSync("df", ["--output=avail", "-B1", mount], { encoding: "utf8" }).split("\n")[1],
    );
    await host.run(["fallocate", "-l", String(free - 1024 * 1024), join(mount, "filler")]);
    const full = await host.run(fullBackup, { allowFailure: true });
    expect(full.code).not.toBe(0);
    const said = full.stdout + full.stderr;
    // The main process reports the system's reason; a worker process only the file.
    expect(said).toMatch(new RegExp(`No space left on device|unable to write '${mount}/backup/`));
    expect(explainPgbackrest(said)).toMatch(
      /^(the repository's volume is full|pgBackRest could not write '[^']+': is that volume full)/,
    );
    expect(validBackups(await stanza(host)).map((b) => b.label)).toEqual(good);
    await earlierBackupRestores("scratch-filled");
    await host.run(["rm", join(mount, "filler")]);
  }, 180_000);

  it("stops archiving when WAL fills it, and a backup then says to look at the archiver", async () => {
    // 100 MB of incompressible rows: their WAL alone outgrows the volume.
    await host.sql("create extension if not exists pgcrypto");
    await host.sql(
      "create table noise as select n, gen_random_bytes(1000) as b from generate_series(1, 100000) n",
    );
    await host.sql("select pg_switch_wal()");
    const full = await host.run(fullBackup, { allowFailure: true });
    expect(full.code).not.toBe(0);
    const meaning = explainPgbackrest(full.stdout + full.stderr);
    expect(meaning).toMatch(
      /did not reach the repository in time: PostgreSQL's archive_command is failing/,
    );
    // Where the explanation sends a person: the archiver's failures, the log's reason.
    expect(Number(await host.sql("select failed_count from pg_stat_archiver"))).toBeGreaterThan(0);
    expect(readFileSync(host.logFile, "utf8")).toContain(
      `[FileWriteError] unable to write '${mount}/archive/mcpgov/`,
    );
    // PostgreSQL kept every segment it could not archive, and the earlier backup restores.
    expect(validBackups(await stanza(host)).map((b) => b.label)).toEqual(good);
    await earlierBackupRestores("scratch-wal");
  }, 240_000);
});

describe("the repository host unreachable during a write load", () => {
  let host: PgHost;
  let restored: PgHost;
  let repoHost: RepoHost;
  /** The repository host's variables: unset them to use the repository directly. */
  let remote: Record<string, string>;
  const local = (argv: string[]) => [
    "env",
    ...Object.keys(remote).flatMap((k) => ["-u", k]),
    ...argv,
  ];

  afterAll(async () => {
    await restored?.destroy().catch(() => {});
    await host?.destroy().catch(() => {});
    await repoHost?.destroy().catch(() => {});
  });

  const archived = async (segment: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (
      (await host.sql("select coalesce(last_archived_wal, '') from pg_stat_archiver")) < segment
    ) {
      if (Date.now() > deadline)
        throw new Error(`${segment} was not archived in ${timeoutMs / 1000} s`);
      await sleep(250);
    }
  };

  it("keeps PostgreSQL serving, stops in bounded time, loses no WAL, and a PITR across it is exact", async () => {
    // PostgreSQL pushes WAL to a repository host over mutual TLS, as in the cluster.
    const repoDir = makeServiceDir("mcpgov-backup-remote-repo");
    repoHost = await RepoHost.start(manifestsDir, repoDir);
    remote = repoHost.clientEnv(repoHost.client("postgres-service"));
    host = await PgHost.create({ manifestsDir, repoPath: repoDir, env: remote });
    await host.initdb();
    await host.start();
    await host.run(local(jobCommand(manifestsDir, "pgbackrest-stanza-create-job.yaml")));
    await host.sql(
      "create table ledger (id bigint primary key, at timestamptz default clock_timestamp())",
    );
    await host.sql("insert into ledger (id) select generate_series(1, 1000)");
    await host.run(local(fullBackup));
    const first = await host.sql("select pg_walfile_name(pg_current_wal_lsn())");
    await host.sql("select pg_switch_wal()");
    await archived(first, 60_000);

    // A target must lie a whole second after the backup ended (pgBackRest's stop times are
    // whole seconds).
    await sleep(1100);
    await repoHost.stop();
    let id = 1000;
    const batch = async () => {
      await host.sql(`insert into ledger (id) select generate_series(${id + 1}, ${id + 100})`);
      id += 100;
      await host.sql("select pg_switch_wal()");
    };
    for (let i = 0; i < 3; i++) await batch();
    const target = await host.sql(
      `select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US"+00"')`,
    );
    const rowsAtTarget = Number(await host.sql("select count(*) from ledger"));
    await sleep(50);
    for (let i = 0; i < 3; i++) await batch();
    expect(Number(await host.sql("select count(*) from ledger"))).toBe(rowsAtTarget + 300);
    const last = await host.sql("select pg_walfile_name(pg_current_wal_lsn())");

    // A shutdown while archive_command cannot reach the repository host ends in bounded
    // time (archive-push gives up after io-timeout; PostgreSQL keeps what it did not archive).
    const stopping = Date.now();
    await host.run([
      "pg_ctl",
      "--pgdata",
      host.pgdata,
      "--mode=fast",
      "--wait",
      "--timeout=300",
      "stop",
    ]);
    const stopSeconds = (Date.now() - stopping) / 1000;

    // Within the pod's grace period, so Kubernetes never has to kill it.
    const statefulSet = loadManifestFile(join(manifestsDir, "postgres-statefulset.yaml")).find(
      (d) => d.object.kind === "StatefulSet",
    )?.object as { spec: { template: { spec: { terminationGracePeriodSeconds: number } } } };
    const grace = statefulSet.spec.template.spec.terminationGracePeriodSeconds;
    expect(stopSeconds).toBeLessThan(grace * 0.8);

    await repoHost.resume();
    await host.start();
    await host.sql("select pg_switch_wal()");
    await archived(last, 120_000);

    restored = await PgHost.create({ manifestsDir, repoPath: repoDir });
    await restoreToTime(restored, manifestsDir, target);
    expect(Number(await restored.sql("select count(*) from ledger"))).toBe(rowsAtTarget);
    // The figure for docs/reliability.md.
    console.log(`shutdown with the repository host unreachable: ${stopSeconds.toFixed(1)} s`);
  }, 420_000);
});
