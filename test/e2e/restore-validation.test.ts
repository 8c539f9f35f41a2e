// scripts/restore-validation.sh (the ConfigMap's script, the VM's
// /usr/local/bin/pgbackrest-restore-validation.sh) against real repositories: it passes on
// a good one without touching the repository or the production data directory, and on
// each kind of damage it fails with a report that names the cause, and cleans up.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  cpSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  utimesSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeServiceSubdir, serviceUser, writeServiceFile } from "../../src/local/host.ts";
import { jobCommand } from "../../src/local/lab/first-run.ts";
import { PgHost } from "../../src/local/lab/pg-host.ts";
import { stagedForService } from "../../src/local/lab/stage.ts";
import { damageBackup } from "../support/damage-backup.ts";
import { MANIFESTS, pgHostForFile } from "../support/e2e-pg-host.ts";
import { pinnedPgbackrest } from "../support/pgbackrest-version.ts";

const script = stagedForService("scripts", "restore-validation.sh");
const fullBackup = jobCommand(MANIFESTS, "schedules/pgbackrest-full-backup-cronjob.yaml");

interface Report {
  status: "passed" | "failed" | "error";
  reason: string | null;
  mode: string;
  backup: { label: string; type: string; walStart: string } | null;
  recoveryWindow: { from: string; walMax: string } | null;
  phases: { name: string; seconds: number }[];
  rtoSeconds: number | null;
  checks: { name: string; result: string; detail: string }[];
  sizes: { databaseBytes: number } | null;
  versions: { pgbackrest: string; postgresql: string };
}

const e2e = pgHostForFile({ stanza: true });
let scratchCount = 0;
/** A moment between the full backup and the 500 rows written after it. */
let beforeMoreRows = "";

/** Runs the validation as the postgres user with the host's pgBackRest settings. */
async function validate(args: string[] = [], env: Record<string, string> = {}) {
  const scratch = join(e2e.db.dir, `scratch-${++scratchCount}`);
  const report = join(e2e.db.dir, `report-${scratchCount}.json`);
  const result = await e2e.db.run(
    [script, "--scratch", scratch, "--report", report, "--timeout", "120", ...args],
    {
      allowFailure: true,
      env,
    },
  );
  const parsed = existsSync(report)
    ? (JSON.parse(readFileSync(report, "utf8")) as Report)
    : undefined;
  return { ...result, report: parsed, scratch };
}

/** A copy of the repository to damage, so the real one stays good for the other tests. */
function repoCopy(name: string): string {
  const copy = join(e2e.db.dir, name);
  cpSync(e2e.db.repoPath, copy, { recursive: true });
  execFileSync("chown", ["-R", `${serviceUser().uid}:${serviceUser().gid}`, copy]);
  return copy;
}

function treeHash(dir: string): string {
  const hash = createHash("sha256");
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = join(path, entry.name);
      hash.update(full);
      if (entry.isSymbolicLink()) hash.update(readlinkSync(full));
      else if (entry.isDirectory()) walk(full);
      else hash.update(readFileSync(full));
    }
  };
  walk(dir);
  return hash.digest("hex");
}

function expectCleanedUp(scratch: string): void {
  expect(existsSync(join(scratch, "pgdata"))).toBe(false);
  const servers = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n");
  expect(servers.filter((line) => line.includes(scratch))).toEqual([]);
}

describe("restore-validation.sh preconditions", () => {
  it("refuses a stanza without a backup before touching anything, and says why", async () => {
    const { code, report, stderr } = await validate();
    expect(code).toBe(2);
    expect(report?.status).toBe("error");
    expect(report?.reason).toBe("stanza mcpgov cannot be restored: no valid backups");
    expect(stderr).toContain("stanza mcpgov cannot be restored: no valid backups");
  }, 60_000);

  it.each([
    [["--timeout", "soon"], "--timeout must be a whole number of seconds"],
    [["--set", "x; rm -rf /"], "--set must be a backup label"],
    [["--repo", "9"], "--repo must be a repository number from 1 to 4"],
    [["--jobs", "0"], "--jobs must be a whole number from 1 to 99"],
    [["--stanza", "mcpgov/../x"], "--stanza must be a stanza name such as mcpgov"],
    [["--frobnicate"], "unknown argument: --frobnicate"],
    [["--assertions", "/nonexistent.tsv"], "cannot read the assertions file /nonexistent.tsv"],
  ])("rejects %j with a clear error", async (args, message) => {
    const { code, stderr } = await validate(args);
    expect(stderr).toContain(message);
    expect(code).toBe(2);
  });
});

describe("restore-validation.sh never replaces a data directory it did not make", () => {
  it("refuses a scratch directory whose pgdata is the running production server's", async () => {
    // PgHost keeps its data directory in <dir>/pgdata: pointed at <dir>, the validation
    // would replace production's.
    const report = join(e2e.db.dir, "report-live.json");
    const result = await e2e.db.run([script, "--scratch", e2e.db.dir, "--report", report], {
      allowFailure: true,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${e2e.db.pgdata} is a running server's data directory (it has postmaster.pid): refusing to replace it; point --scratch at a directory of the validation's own`,
    );
    expect(existsSync(join(e2e.db.pgdata, "PG_VERSION"))).toBe(true);
    expect(await e2e.db.sql("select 1")).toBe("1");
  }, 60_000);

  it("refuses the production data directory named by PGDATA, and one no validation made", async () => {
    const made = join(e2e.db.dir, "foreign");
    const foreign = join(made, "pgdata");
    makeServiceSubdir(foreign);
    writeServiceFile(join(foreign, "PG_VERSION"), "15\n");
    const report = join(e2e.db.dir, "report-foreign.json");
    const unknown = await e2e.db.run([script, "--scratch", made, "--report", report], {
      allowFailure: true,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      `${foreign} is a PostgreSQL data directory that no validation made (no .restore-validation-copy beside it): refusing to replace it`,
    );
    const production = await e2e.db.run([script, "--scratch", made, "--report", report], {
      allowFailure: true,
      env: { PGDATA: foreign },
    });
    expect(production.stderr).toContain(`${foreign} is the production data directory (PGDATA)`);
    expect(existsSync(join(foreign, "PG_VERSION"))).toBe(true);
  }, 60_000);
});

describe("restore-validation.sh on a good repository", () => {
  beforeAll(async () => {
    await e2e.db.sql(
      "create table ledger (id bigint primary key, at timestamptz default clock_timestamp())",
    );
    await e2e.db.sql("insert into ledger (id) select generate_series(1, 1000)");
    // psql reads a -d with = in it as a connection string: the check must still reach it.
    await e2e.db.sql(`create database "odd=name's"`);
    await e2e.db.run(fullBackup);
    // pgBackRest keeps backup stop times in whole seconds: a target must be past the next one.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    beforeMoreRows = await e2e.db.sql(
      "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'",
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await e2e.db.sql("insert into ledger (id) select generate_series(1001, 1500)");
    await e2e.db.sql("select pg_switch_wal()");
  }, 120_000);

  it("passes, and the repository and the production data directory are byte for byte as before", async () => {
    // Production stopped, so that only the validation could change these files.
    await e2e.db.stop();
    const hashes = () => ({ repo: treeHash(e2e.db.repoPath), pgdata: treeHash(e2e.db.pgdata) });
    const before = hashes();
    let after: ReturnType<typeof hashes>;
    let run: Awaited<ReturnType<typeof validate>>;
    try {
      run = await validate();
      after = hashes();
    } finally {
      await e2e.db.start();
    }
    expect(after).toEqual(before);
    const { code, report, scratch } = run;

    expect(report?.status).toBe("passed");
    expect(report?.reason).toBeNull();
    expect(report?.mode).toBe("consistent");
    expect(report?.backup?.type).toBe("full");
    expect(report?.phases.map((p) => p.name)).toEqual([
      "preflight",
      "restore",
      "recovery",
      "checks",
      "cleanup",
    ]);
    expect(report?.rtoSeconds).toBeGreaterThan(0);
    expect(report?.checks.map((c) => `${c.name}: ${c.result}`)).toEqual([
      "database odd=name's answers: pass",
      "database postgres answers: pass",
      "database template1 answers: pass",
      "application data: pass",
      "accepts writes: pass",
      "data checksums: pass",
      "pg_amcheck: pass",
    ]);
    expect(report?.sizes?.databaseBytes).toBeGreaterThan(1_000_000);
    expect(report?.versions).toEqual({
      pgbackrest: pinnedPgbackrest(),
      postgresql: expect.stringMatching(/^15\.\d+$/),
    });
    expect(report?.recoveryWindow?.walMax).toMatch(/^[0-9A-F]{24}$/);
    expect(code).toBe(0);
    expectCleanedUp(scratch);
  }, 120_000);

  it("recovers to the newest archived WAL with --latest, and checks SQL assertions", async () => {
    const assertions = join(e2e.db.dir, "assertions.tsv");
    writeServiceFile(
      assertions,
      [
        "# database\tname\tsql returning true",
        "postgres\tall 1500 ledger rows\tselect count(*) = 1500 from ledger",
        "postgres\tnewest row after the backup\tselect max(at) > :'backup_stop'::timestamptz from ledger",
      ].join("\n"),
    );
    const { code, report } = await validate(["--latest", "--assertions", assertions]);
    expect(report?.mode).toBe("latest");
    expect(report?.checks.filter((c) => c.name.startsWith("assertion:"))).toEqual([
      { name: "assertion: all 1500 ledger rows", result: "pass", detail: "" },
      { name: "assertion: newest row after the backup", result: "pass", detail: "" },
    ]);
    expect(code).toBe(0);
  }, 120_000);

  it("recovers to a target time with --target, and verifies the repository with --verify", async () => {
    const assertions = join(e2e.db.dir, "assertions-target.tsv");
    writeServiceFile(
      assertions,
      "postgres\tthe 1000 rows before the target\tselect count(*) = 1000 from ledger\n",
    );
    const { code, report } = await validate([
      "--target",
      beforeMoreRows,
      "--assertions",
      assertions,
      "--verify",
    ]);
    expect(report?.mode).toBe("time");
    expect(report?.checks.map((c) => `${c.name}: ${c.result}`)).toEqual(
      expect.arrayContaining([
        "assertion: the 1000 rows before the target: pass",
        "pgbackrest verify: pass",
      ]),
    );
    expect(code).toBe(0);
  }, 120_000);

  it("keeps the copy between runs with --delta and restores over it by checksum: a page damaged in the copy comes back from the backup", async () => {
    const scratch = join(e2e.db.dir, "scratch-delta");
    const run = async (args: string[]) => {
      const report = join(e2e.db.dir, `report-delta-${++scratchCount}.json`);
      const result = await e2e.db.run(
        [script, "--scratch", scratch, "--report", report, "--timeout", "120", "--delta", ...args],
        { allowFailure: true },
      );
      return { ...result, report: JSON.parse(readFileSync(report, "utf8")) as Report };
    };
    const first = await run([]);
    expect(first.report.status).toBe("passed");
    expect(first.code).toBe(0);
    // The copy stays, stopped, beside the marker that lets the next run replace it.
    expect(existsSync(join(scratch, "pgdata", "PG_VERSION"))).toBe(true);
    expect(existsSync(join(scratch, "pgdata", "postmaster.pid"))).toBe(false);
    expect(existsSync(join(scratch, ".restore-validation-copy"))).toBe(true);
    const servers = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n");
    expect(servers.filter((line) => line.includes(scratch))).toEqual([]);

    // Damage a page of ledger in the kept copy, keeping the file's size and time: only a
    // checksum tells it from the backup's.
    const ledger = join(
      scratch,
      "pgdata",
      await e2e.db.sql("select pg_relation_filepath('ledger')"),
    );
    const { atime, mtime } = statSync(ledger);
    const fd = openSync(ledger, "r+");
    writeSync(fd, Buffer.alloc(64, 0xab), 0, 64, 8000);
    closeSync(fd);
    utimesSync(ledger, atime, mtime);

    const assertions = join(e2e.db.dir, "assertions-delta.tsv");
    writeServiceFile(
      assertions,
      "postgres\tall 1500 ledger rows\tselect count(*) = 1500 from ledger\n",
    );
    const second = await run(["--latest", "--assertions", assertions]);
    expect(second.stderr).toContain("--delta over the copy the last validation left");
    expect(second.report.checks.map((c) => `${c.name}: ${c.result}`)).toEqual(
      expect.arrayContaining(["pg_amcheck: pass", "assertion: all 1500 ledger rows: pass"]),
    );
    expect(second.report.status).toBe("passed");
    expect(second.code).toBe(0);
  }, 180_000);

  it("fails on a failed SQL assertion, naming it", async () => {
    const assertions = join(e2e.db.dir, "assertions-failing.tsv");
    writeServiceFile(
      assertions,
      "postgres\tat least a million ledger rows\tselect count(*) >= 1000000 from ledger\n",
    );
    const { code, report, stderr } = await validate(["--assertions", assertions]);
    expect(report?.status).toBe("failed");
    expect(report?.reason).toBe("failed checks: assertion: at least a million ledger rows");
    expect(
      report?.checks.find((c) => c.name === "assertion: at least a million ledger rows"),
    ).toMatchObject({ result: "fail", detail: "f" });
    expect(stderr).toContain("check fail: assertion: at least a million ledger rows");
    expect(code).toBe(1);
  }, 120_000);

  it("fails when a backup file is corrupted, with pgBackRest's error", async () => {
    const repo = repoCopy("repo-corrupted");
    const label = readdirSync(join(repo, "backup/mcpgov")).find((d) => d.endsWith("F")) ?? "";
    expect(damageBackup(join(repo, "backup/mcpgov", label)).length).toBeGreaterThan(0);
    const { code, report, scratch } = await validate([], { PGBACKREST_REPO1_PATH: repo });
    expect(report?.status).toBe("failed");
    expect(report?.reason).toMatch(/^pgbackrest restore failed: .*ERROR: \[\d+\]/);
    expect(code).toBe(1);
    expectCleanedUp(scratch);
  }, 120_000);

  it("fails when a WAL segment needed for consistency is missing, with PostgreSQL's reason", async () => {
    const repo = repoCopy("repo-missing-wal");
    const info = JSON.parse(
      (
        await e2e.db.run(["pgbackrest", "--stanza=mcpgov", "info", "--output=json"], {
          env: { PGBACKREST_REPO1_PATH: repo },
        })
      ).stdout,
    );
    const walStart: string = info[0].backup.at(-1).archive.start;
    const archive = join(repo, "archive/mcpgov/15-1", walStart.slice(0, 16));
    for (const file of readdirSync(archive).filter((f) => f.startsWith(walStart)))
      execFileSync("rm", [join(archive, file)]);
    const { code, report, scratch } = await validate([], { PGBACKREST_REPO1_PATH: repo });
    expect(report?.status).toBe("failed");
    expect(report?.reason).toMatch(/^the restored server stopped during recovery: .*(FATAL|PANIC)/);
    expect(code).toBe(1);
    expectCleanedUp(scratch);
  }, 120_000);

  it("fails when there is not enough disk for the restore, before restoring anything", async () => {
    const small = join(e2e.db.dir, "small-disk");
    makeServiceSubdir(small);
    execFileSync("mount", [
      "-t",
      "tmpfs",
      "-o",
      `size=16m,uid=${serviceUser().uid}`,
      "tmpfs",
      small,
    ]);
    try {
      const result = await e2e.db.run(
        [script, "--scratch", small, "--report", join(e2e.db.dir, "report-small.json")],
        { allowFailure: true },
      );
      const report = JSON.parse(
        readFileSync(join(e2e.db.dir, "report-small.json"), "utf8"),
      ) as Report;
      expect(report.status).toBe("error");
      expect(report.reason).toMatch(
        /^not enough space in .*small-disk: the restore needs about \d+ MiB, \d+ MiB free; give --scratch a larger volume/,
      );
      expect(report.phases.map((p) => p.name)).toEqual(["preflight", "cleanup"]);
      expect(result.code).toBe(2);
    } finally {
      execFileSync("umount", [small]);
    }
  }, 60_000);

  it("fails when the deadline passes before recovery has finished, and stops the server", async () => {
    const { code, report, scratch } = await validate(["--latest", "--timeout", "0"]);
    expect(report?.status).toBe("failed");
    expect(report?.reason).toBe("deadline exceeded: recovery did not finish within 0s");
    expect(code).toBe(1);
    expectCleanedUp(scratch);
  }, 60_000);
});

describe("restore-validation.sh and other damage", () => {
  it("says 'wrong cipher passphrase?' when the repository cannot be decrypted", async () => {
    const encrypted = {
      PGBACKREST_REPO1_PATH: join(e2e.db.dir, "repo-encrypted"),
      PGBACKREST_REPO1_CIPHER_TYPE: "aes-256-cbc",
    };
    makeServiceSubdir(encrypted.PGBACKREST_REPO1_PATH);
    await e2e.db.run(["pgbackrest", "--stanza=mcpgov", "stanza-create"], {
      env: { ...encrypted, PGBACKREST_REPO1_CIPHER_PASS: "the right one" },
    });
    const { code, report, stderr } = await validate([], {
      ...encrypted,
      PGBACKREST_REPO1_CIPHER_PASS: "a wrong one",
    });
    expect(report?.status).toBe("error");
    expect(report?.reason).toMatch(
      /^cannot read the repository of stanza mcpgov: wrong cipher passphrase\?/,
    );
    expect(stderr).not.toContain("the right one");
    expect(JSON.stringify(report)).not.toContain("a wrong one");
    expect(code).toBe(2);
  }, 60_000);

  it("fails when pg_amcheck finds a corrupted table page the backup carried", async () => {
    const plain = await PgHost.create({ manifestsDir: MANIFESTS });
    try {
      // Without page checksums nothing notices the damage until something reads the page.
      await plain.initdb({ checksums: false });
      await plain.start();
      await plain.run(jobCommand(MANIFESTS, "pgbackrest-stanza-create-job.yaml"));
      await plain.sql(
        "create table victim (id int, note text); insert into victim select n, repeat('x', 100) from generate_series(1, 5000) n; checkpoint",
      );
      const relation = join(plain.pgdata, await plain.sql("select pg_relation_filepath('victim')"));
      await plain.stop();
      // Point the first page's line pointers (after its 24-byte header) past the page's end:
      // lp_off 32752, LP_NORMAL, lp_len 100.
      const fd = openSync(relation, "r+");
      writeSync(fd, Buffer.from("f0ffc800".repeat(16), "hex"), 0, 64, 24);
      closeSync(fd);
      expect(statSync(relation).size).toBeGreaterThan(8192);
      await plain.start();
      await plain.run(fullBackup);
      const scratch = join(plain.dir, "scratch");
      const result = await plain.run([script, "--scratch", scratch, "--timeout", "120"], {
        allowFailure: true,
      });
      const report = JSON.parse(readFileSync(join(scratch, "report.json"), "utf8")) as Report;
      expect(report.status).toBe("failed");
      expect(report.reason).toBe("failed checks: pg_amcheck");
      expect(report.checks.find((c) => c.name === "pg_amcheck")?.detail).toContain("victim");
      expect(report.checks.find((c) => c.name === "data checksums")?.result).toBe("warn");
      expect(result.code).toBe(1);
    } finally {
      await plain.destroy();
    }
  }, 180_000);
});
