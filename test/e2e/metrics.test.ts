// scripts/pgbackrest-metrics.sh (the metrics Deployment's writer, the VM's textfile timer)
// against real PostgreSQL, pgBackRest and restore validations: every figure equals what
// pgBackRest and the validation report say, the exposition passes promtool's lint, it is
// read through the repository host as the Deployment reads it, a failure is exported
// rather than hidden, and node_exporter's textfile collector serves the file.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.ts";
import { findStanza, parseInfo } from "../../src/core/pgbackrest/info.ts";
import { recoveryWindows } from "../../src/core/recovery-window.ts";
import { freePort, makeServiceSubdir } from "../../src/local/host.ts";
import { jobCommand } from "../../src/local/lab/first-run.ts";
import { stagedForService } from "../../src/local/lab/stage.ts";
import { Daemons, scrape } from "../support/daemons.ts";
import { pgHostForFile } from "../support/e2e-pg-host.ts";
import { lintMetrics, parseMetrics, type Sample, sampleValue } from "../support/metrics.ts";
import { RepoHost } from "../support/repo-host.ts";

const manifestsDir = projectPath("manifests");
const script = stagedForService("scripts", "pgbackrest-metrics.sh");
const mcpgov = { stanza: "mcpgov", repo: "1" };

const e2e = pgHostForFile({ stanza: true });
const daemons = new Daemons();
let reports: string;

async function metrics(args: string[] = [], env: Record<string, string> = {}) {
  const { stdout, stderr, code } = await e2e.db.run([script, ...args], { allowFailure: true, env });
  return { text: stdout, samples: parseMetrics(stdout), stderr, code };
}

async function info() {
  const { stdout } = await e2e.db.run(["pgbackrest", "--stanza=mcpgov", "--output=json", "info"]);
  return findStanza(parseInfo(stdout), "mcpgov");
}

const last = (samples: Sample[], metric: string, type: string) =>
  sampleValue(samples, `mcpgov_backup_last_${metric}`, { ...mcpgov, type });

beforeAll(() => {
  reports = join(e2e.db.dir, "validation-reports");
  makeServiceSubdir(reports);
});

afterAll(() => daemons.stopAll());

describe("pgbackrest-metrics.sh", () => {
  it("before the first backup: every last-backup time is 0, so the age alerts fire", async () => {
    const { text, samples, code } = await metrics(["--validation-reports", reports]);
    expect(code).toBe(0);
    expect(lintMetrics(text)).toBe("");
    expect(sampleValue(samples, "mcpgov_backup_info_success")).toBe(1);
    expect(sampleValue(samples, "mcpgov_backup_repo_status_code", mcpgov)).toBe(2); // no valid backup
    for (const type of ["full", "diff", "incr"]) {
      expect(last(samples, "success_timestamp_seconds", type)).toBe(0);
    }
    expect(sampleValue(samples, "mcpgov_backup_validation_last_timestamp_seconds", mcpgov)).toBe(0);
    expect(sampleValue(samples, "mcpgov_backup_repo_size_bytes", mcpgov)).toBe(0);
    // Without a reports directory (Kubernetes) there is no validation figure at all.
    const plain = await metrics();
    expect(plain.samples.filter((s) => s.name.includes("validation"))).toEqual([]);
    // No window without a backup, though stanza-create's check archived a segment.
    expect(
      sampleValue(samples, "mcpgov_backup_recovery_window_end_timestamp_seconds", mcpgov),
    ).toBe(undefined);
  }, 60_000);

  it("after a full and a diff: the figures are pgBackRest's, the window runs to the newest WAL", async () => {
    await e2e.db.run(jobCommand(manifestsDir, "schedules/pgbackrest-full-backup-cronjob.yaml"));
    await e2e.db.sql("create table ledger as select g as id from generate_series(1, 50000) g");
    await e2e.db.run(jobCommand(manifestsDir, "schedules/pgbackrest-diff-backup-cronjob.yaml"));
    // Timestamps are whole seconds: the next segment is archived in a later one than the
    // diff's stop, so that the window's end is seen to move past it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await e2e.db.sql("insert into ledger values (0)");
    await e2e.db.sql("select pg_switch_wal()");
    await e2e.db.run(["pgbackrest", "--stanza=mcpgov", "check"]); // waits until it is archived
    const archivedAt = Math.floor(Date.now() / 1000);

    const { text, samples } = await metrics(["--stanza", "mcpgov"]);
    expect(lintMetrics(text)).toBe("");
    const stanza = await info();
    const [full, diff] = stanza.backup;
    expect([full?.type, diff?.type]).toEqual(["full", "diff"]);
    expect(sampleValue(samples, "mcpgov_backup_info_success", { stanza: "mcpgov" })).toBe(1);
    expect(sampleValue(samples, "mcpgov_backup_repo_status_code", mcpgov)).toBe(0);
    for (const backup of [full, diff]) {
      if (!backup) throw new Error("missing backup");
      expect(last(samples, "success_timestamp_seconds", backup.type)).toBe(backup.timestamp.stop);
      expect(last(samples, "duration_seconds", backup.type)).toBe(
        backup.timestamp.stop - backup.timestamp.start,
      );
      expect(last(samples, "size_bytes", backup.type)).toBe(backup.info.size);
      expect(last(samples, "repo_size_bytes", backup.type)).toBe(backup.info.repository.delta);
      expect(sampleValue(samples, "mcpgov_backup_backups", { ...mcpgov, type: backup.type })).toBe(
        1,
      );
    }
    expect(last(samples, "success_timestamp_seconds", "incr")).toBe(0);
    // What the kept backups take in the repository: the sum of what each added.
    expect(sampleValue(samples, "mcpgov_backup_repo_size_bytes", mcpgov)).toBe(
      stanza.backup.reduce((sum, b) => sum + b.info.repository.delta, 0),
    );
    expect(sampleValue(samples, "mcpgov_backup_repo_size_bytes", mcpgov)).toBeGreaterThan(0);
    // The same start as /backup status and the Action give (src/core/recovery-window.ts).
    const [window] = recoveryWindows(stanza, undefined);
    expect(
      sampleValue(samples, "mcpgov_backup_recovery_window_start_timestamp_seconds", mcpgov),
    ).toBe(Date.parse(window?.start ?? "") / 1000);
    // The end is when the newest segment reached the repository: after the diff, by now.
    const end = sampleValue(samples, "mcpgov_backup_recovery_window_end_timestamp_seconds", mcpgov);
    expect(end).toBeGreaterThan(diff?.timestamp.stop ?? Infinity);
    expect(end).toBeLessThanOrEqual(archivedAt);
  }, 120_000);

  it("exports the newest validation report's verdict and RTO, and skips what is not a report", async () => {
    const passed = join(reports, "repo1.json");
    await e2e.db.run(
      [
        stagedForService("scripts", "restore-validation.sh"),
        "--repo",
        "1",
        "--report",
        passed,
      ].concat(["--scratch", join(e2e.db.dir, "validation-scratch")]),
    );
    const report = JSON.parse(readFileSync(passed, "utf8"));
    expect(report.status).toBe("passed");
    writeFileSync(join(reports, "notes.json"), '{"not": "a report"}\n');

    let { samples, stderr } = await metrics(["--validation-reports", reports]);
    expect(sampleValue(samples, "mcpgov_backup_validation_last_success", mcpgov)).toBe(1);
    expect(sampleValue(samples, "mcpgov_backup_validation_last_rto_seconds", mcpgov)).toBe(
      report.rtoSeconds,
    );
    expect(sampleValue(samples, "mcpgov_backup_validation_last_timestamp_seconds", mcpgov)).toBe(
      Date.parse(report.finishedAt) / 1000,
    );
    expect(stderr).toContain(
      `skipping ${join(reports, "notes.json")}: not a finished restore-validation report`,
    );

    // A later validation that failed is the verdict now.
    const finishedAt = new Date(Date.parse(report.finishedAt) + 3_600_000).toISOString();
    writeFileSync(
      join(reports, "repo1-later.json"),
      JSON.stringify({
        ...report,
        status: "failed",
        finishedAt: finishedAt.replace(/\.\d+Z$/, "Z"),
      }),
    );
    ({ samples } = await metrics(["--validation-reports", reports]));
    expect(sampleValue(samples, "mcpgov_backup_validation_last_success", mcpgov)).toBe(0);
  }, 120_000);

  it("a validation pushes the same verdict, time and RTO to a Pushgateway, and one it cannot reach leaves its verdict alone", async () => {
    const port = await freePort();
    daemons.start(["prometheus-pushgateway", `--web.listen-address=127.0.0.1:${port}`]);
    await scrape(`http://127.0.0.1:${port}/metrics`);
    const validate = (pushgateway: string, report: string) =>
      e2e.db.run(
        [
          stagedForService("scripts", "restore-validation.sh"),
          "--scratch",
          join(e2e.db.dir, "validation-scratch"),
          "--report",
          report,
          "--pushgateway",
          pushgateway,
        ],
        { allowFailure: true },
      );
    const own = join(e2e.db.dir, "pushed");
    makeServiceSubdir(own);
    const pushed = await validate(`http://127.0.0.1:${port}`, join(own, "report.json"));
    expect(pushed.code).toBe(0);
    expect(pushed.stderr).toContain(
      `pushed the verdict to http://127.0.0.1:${port}/metrics/job/pgbackrest-restore-validation/stanza/mcpgov/repo/1`,
    );

    // What the Pushgateway serves is what the VM's writer exports from the same report.
    const served = await scrape(`http://127.0.0.1:${port}/metrics`);
    const { text: fromFile } = await metrics(["--validation-reports", own]);
    const group = { ...mcpgov, job: "pgbackrest-restore-validation" };
    for (const name of ["last_timestamp_seconds", "last_success", "last_rto_seconds"]) {
      const metric = `mcpgov_backup_validation_${name}`;
      expect(sampleValue(parseMetrics(served), metric, group)).toBe(
        sampleValue(parseMetrics(fromFile), metric, mcpgov),
      );
      const help = new RegExp(`^# HELP ${metric} .*$`, "m");
      expect(help.exec(served)?.[0]).toBe(help.exec(fromFile)?.[0]);
    }
    expect(sampleValue(parseMetrics(served), "mcpgov_backup_validation_last_success", group)).toBe(
      1,
    );

    const unreachable = await validate(
      `http://127.0.0.1:${await freePort()}`,
      join(own, "again.json"),
    );
    expect(unreachable.code).toBe(0);
    expect(JSON.parse(readFileSync(join(own, "again.json"), "utf8")).status).toBe("passed");
    expect(unreachable.stderr).toContain("could not push the verdict to http://127.0.0.1:");
    expect(unreachable.stderr).toContain(
      "the validation's result stands, but Prometheus will not see it",
    );

    const refused = await validate("http://pgbackrest-metrics:9091/$(id)", join(own, "bad.json"));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      "--pushgateway must be an http(s) URL such as http://pgbackrest-metrics:9091",
    );
  }, 180_000);

  it("reads the repository through the repository host as the metrics Deployment does, and says when it cannot", async () => {
    const repoHost = await RepoHost.start(manifestsDir, e2e.db.repoPath);
    try {
      const env = repoHost.clientEnv(repoHost.client("pgbackrest-client"));
      const remote = await metrics(["--stanza", "mcpgov"], env);
      const local = await metrics(["--stanza", "mcpgov"]);
      const figures = (samples: Sample[]) =>
        samples.filter((s) => !s.name.startsWith("mcpgov_backup_info_"));
      expect(figures(remote.samples)).toEqual(figures(local.samples));
      // The Deployment names no stanza: it is its PGBACKREST_STANZA, from pgbackrest-config.
      const deployment = await metrics([], { ...env, PGBACKREST_STANZA: "mcpgov" });
      expect(figures(deployment.samples)).toEqual(figures(remote.samples));

      await repoHost.stop();
      // pgBackRest retries the connection for its I/O timeout (60 s by default) each time.
      const down = await metrics(["--stanza", "mcpgov"], { ...env, PGBACKREST_IO_TIMEOUT: "3" });
      expect(down.code).toBe(0);
      expect(sampleValue(down.samples, "mcpgov_backup_repo_status_code", mcpgov)).toBe(99);
      expect(down.stderr).toMatch(/stanza mcpgov repo1: \[HostConnectError\] unable to connect/);

      // pgBackRest itself failing (here: a client certificate not configured).
      const { PGBACKREST_REPO1_HOST_CERT_FILE: _, ...misconfigured } = env;
      const broken = await metrics(["--stanza", "mcpgov"], misconfigured);
      expect(broken.code).toBe(0);
      expect(sampleValue(broken.samples, "mcpgov_backup_info_success", { stanza: "mcpgov" })).toBe(
        0,
      );
      expect(broken.stderr).toContain("pgbackrest info failed");
    } finally {
      await repoHost.destroy();
    }
  }, 120_000);

  it("writes a whole file for node_exporter's textfile collector, which serves it through a link as on a VM", async () => {
    const dir = join(e2e.db.dir, "textfile");
    makeServiceSubdir(dir);
    const file = join(dir, "pgbackrest.prom");
    await e2e.db.run([script, "--textfile", file]);
    const written = parseMetrics(readFileSync(file, "utf8"));
    expect(sampleValue(written, "mcpgov_backup_info_success")).toBe(1);
    // vm/install.sh links the writer's file into node_exporter's own directory.
    const exporterDir = join(e2e.db.dir, "node-exporter");
    mkdirSync(exporterDir);
    symlinkSync(file, join(exporterDir, "pgbackrest.prom"));

    const port = await freePort();
    daemons.start([
      "prometheus-node-exporter",
      `--web.listen-address=127.0.0.1:${port}`,
      "--collector.disable-defaults",
      "--collector.textfile",
      `--collector.textfile.directory=${exporterDir}`,
    ]);
    const samples = parseMetrics(await scrape(`http://127.0.0.1:${port}/metrics`));
    expect(sampleValue(samples, "node_textfile_scrape_error")).toBe(0);
    expect(
      sampleValue(samples, "mcpgov_backup_last_success_timestamp_seconds", {
        ...mcpgov,
        type: "full",
      }),
    ).toBe(
      sampleValue(written, "mcpgov_backup_last_success_timestamp_seconds", {
        ...mcpgov,
        type: "full",
      }),
    );
  }, 60_000);

  it.each([
    [["--interval", "0"], "--interval must be a whole number of seconds, 1 or more"],
    [["--stanza", "mcpgov; rm -rf /"], "--stanza must be a stanza name such as mcpgov"],
    [
      ["--textfile", "/nonexistent/dir/x.prom"],
      "the directory of --textfile /nonexistent/dir/x.prom does not exist",
    ],
    [["--frobnicate"], "unknown argument: --frobnicate"],
  ])("refuses %j with a message that says what to give", async (args, message) => {
    const { code, stderr } = await metrics(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("--wal: PostgreSQL's own archiver figures, RPO 0 once everything written is archived", async () => {
    await e2e.db.sql("insert into ledger values (1)");
    await e2e.db.sql("select pg_switch_wal()");
    await e2e.db.run(["pgbackrest", "--stanza=mcpgov", "check"]); // waits until it is archived
    const env = { PGHOST: e2e.db.socketDir, PGPORT: String(e2e.db.port) };
    const { text, samples, code, stderr } = await metrics(["--wal", "--stanza", "mcpgov"], env);
    expect(code, stderr).toBe(0);
    expect(lintMetrics(text)).toBe("");
    const archiver = (
      await e2e.db.sql("select archived_count || ' ' || failed_count from pg_stat_archiver")
    )
      .trim()
      .split(" ")
      .map(Number);
    const stanza = { stanza: "mcpgov" };
    expect(sampleValue(samples, "mcpgov_backup_wal_success", stanza)).toBe(1);
    expect(sampleValue(samples, "mcpgov_backup_wal_archiving_enabled", stanza)).toBe(1);
    expect(sampleValue(samples, "mcpgov_backup_wal_archived_total", stanza)).toBe(archiver[0]);
    expect(sampleValue(samples, "mcpgov_backup_wal_archive_failed_total", stanza)).toBe(
      archiver[1],
    );
    expect(sampleValue(samples, "mcpgov_backup_wal_ready_segments", stanza)).toBe(0);
    expect(sampleValue(samples, "mcpgov_backup_rpo_seconds", stanza)).toBe(0);
    expect(sampleValue(samples, "mcpgov_backup_rpo_target_seconds", stanza)).toBe(900);
    const now = Date.now() / 1000;
    expect(sampleValue(samples, "mcpgov_backup_wal_timestamp_seconds", stanza)).toBeGreaterThan(
      now - 60,
    );

    // An overlay's target; a PostgreSQL that does not answer is said, not hidden.
    const target = await metrics(["--wal", "--stanza", "mcpgov"], {
      ...env,
      METRICS_RPO_TARGET_SECONDS: "300",
    });
    expect(sampleValue(target.samples, "mcpgov_backup_rpo_target_seconds", stanza)).toBe(300);
    const down = await metrics(["--wal", "--stanza", "mcpgov"], { ...env, PGPORT: "1" });
    expect(down.code).toBe(0);
    expect(sampleValue(down.samples, "mcpgov_backup_wal_success", stanza)).toBe(0);
    expect(sampleValue(down.samples, "mcpgov_backup_rpo_seconds", stanza)).toBe(undefined);
    expect(down.stderr).toContain("PostgreSQL did not answer the WAL query");
    const unnamed = await metrics(["--wal"], { ...env, PGBACKREST_STANZA: "" });
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain("--wal needs --stanza");
  }, 120_000);

  it("explains itself with --help", async () => {
    const { code, text } = await e2e.db
      .run([script, "--help"])
      .then((r) => ({ code: r.code, text: r.stdout }));
    expect(code).toBe(0);
    expect(text).toMatch(/^usage: pgbackrest-metrics.sh \[options\]/);
    expect(text).toContain("--textfile FILE");
  });
});
