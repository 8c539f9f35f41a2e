// Repository 2 on S3, encrypted, with the settings of manifests/s3/ and the commands of
// its CronJobs, against a real S3-compatible server over HTTPS (s3rver, a test CA): the
// stanza, WAL to both repositories, backups, validation and a point-in-time restore
// from the bucket alone; nothing in the bucket is readable without the passphrase; an
// outage of the bucket in the middle of a write load loses no WAL, and a PITR across
// it is exact.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { SQL_TARGET_US } from "../../src/core/names/formats.ts";
import { projectPath } from "../../src/core/paths.ts";
import { explainPgbackrest } from "../../src/core/pgbackrest/errors.ts";
import { findStanza, parseInfo, repoOf } from "../../src/core/pgbackrest/info.ts";
import { repositories } from "../../src/core/repository.ts";
import { makeServiceSubdir } from "../../src/local/host.ts";
import { commandOf, jobCommand } from "../../src/local/lab/first-run.ts";
import { PgHost } from "../../src/local/lab/pg-host.ts";
import { stagedForService } from "../../src/local/lab/stage.ts";
import { parseMetrics, sampleValue } from "../support/metrics.ts";
import { restoreToTime } from "../support/pitr.ts";
import { S3Server, s3KeyEnv } from "../support/s3.ts";

const manifestsDir = projectPath("manifests");
/** The command of one of the S3 component's CronJobs, as examples/production installs it. */
const s3Command = (name: string) => {
  const cronJob = renderKustomization(projectPath("examples", "production")).find(
    (o) => o.kind === "CronJob" && o.metadata.name === name,
  );
  if (!cronJob) throw new Error(`CronJob ${name} is not in examples/production`);
  return commandOf(cronJob);
};
const PASSPHRASE = "a-test-passphrase-0f7c2d9e41b8";
/** A value written to the database that must never appear in the bucket as it is. */
const MARKER = `mcpgov-plaintext-marker-${process.pid}-7b1e`;

let s3: S3Server;
let db: PgHost;
const restored: PgHost[] = [];

/** manifests/s3/pgbackrest-s3.yaml's settings, pointed at the local server. */
function repo2Env(server: S3Server, passphrase = PASSPHRASE): Record<string, string> {
  const [configMap] = loadManifestFile(join(manifestsDir, "s3", "pgbackrest-s3.yaml"));
  const data = configMap?.object.data as Record<string, string>;
  return {
    ...data,
    PGBACKREST_REPO2_S3_BUCKET: server.bucket,
    PGBACKREST_REPO2_S3_ENDPOINT: server.host,
    PGBACKREST_REPO2_S3_URI_STYLE: "path",
    PGBACKREST_REPO2_STORAGE_PORT: String(server.port),
    PGBACKREST_REPO2_STORAGE_CA_FILE: server.caFile,
    // What the Secrets give PostgreSQL's pod: the key that adds WAL (docs/s3.md).
    ...s3KeyEnv("writer"),
    PGBACKREST_REPO2_CIPHER_PASS: passphrase,
  };
}

/** Runs as the repository host, whose key backs up and expires. */
const asRepoHost = { env: s3KeyEnv("repoHost") };
/** Runs as a restore, a validation or the metrics, whose key only reads. */
const asReader = { env: s3KeyEnv("reader") };

async function info(host: PgHost, repo?: number, stanza = "mcpgov") {
  const { stdout } = await host.run(
    [
      "pgbackrest",
      `--stanza=${stanza}`,
      ...(repo ? [`--repo=${repo}`] : []),
      "--output=json",
      "info",
    ],
    asReader,
  );
  return findStanza(parseInfo(stdout), stanza);
}

/** WAL segment names in the bucket's archive, in order. */
function bucketSegments(): string[] {
  return s3
    .objects()
    .map((o) => /\/(0{7}[1-9A-F][0-9A-F]{16})-[0-9a-f]{40}/.exec(o.key)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

const segmentNumber = (name: string) => BigInt(`0x${name.slice(8)}`);

/** A fresh host whose repository 1 is empty: whatever it restores came from the bucket. */
async function hostWithOnlyTheBucket(): Promise<PgHost> {
  const host = await PgHost.create({ manifestsDir, env: repo2Env(s3) });
  restored.push(host);
  return host;
}

beforeAll(async () => {
  s3 = await S3Server.start();
  db = await PgHost.create({ manifestsDir, env: repo2Env(s3) });
  await db.initdb();
  await db.start();
}, 120_000);

afterAll(async () => {
  for (const host of [...restored, db]) await host?.destroy();
  await s3?.destroy();
}, 60_000);

describe("repository 2 on S3, encrypted", () => {
  it("creates the stanza in both repositories and archives WAL to both", async () => {
    await db.run(jobCommand(manifestsDir, "pgbackrest-stanza-create-job.yaml"), asRepoHost);
    const { stdout, stderr } = await db.run(["pgbackrest", "--stanza=mcpgov", "check"], asRepoHost);
    const said = stdout + stderr;
    expect(said).toMatch(/successfully archived to .* on repo1/);
    expect(said).toMatch(/successfully archived to .* on repo2/);
    const stanza = await info(db);
    expect(stanza.status.message).toBe("no valid backups");
    expect(stanza.repo?.map((r) => [r.key, r.cipher])).toEqual([
      [1, "none"],
      [2, "aes-256-cbc"],
    ]);
    expect(bucketSegments().length).toBeGreaterThan(0);
  }, 120_000);

  it("backs up to the bucket with the -s3 CronJobs' commands, and says which repository", async () => {
    await db.sql(
      `create table ledger (id bigint primary key, note text not null, at timestamptz not null default clock_timestamp());
       insert into ledger (id, note) select n, '${MARKER} ' || n from generate_series(1, 2000) n;`,
    );
    const full = s3Command("pgbackrest-full-backup-s3");
    expect(full).toEqual(["pgbackrest", "--repo=2", "--type=full", "backup"]);
    await db.run(full, asRepoHost);
    await db.sql(
      "insert into ledger (id, note) select n, 'after full' from generate_series(2001, 2100) n",
    );
    await db.run(s3Command("pgbackrest-diff-backup-s3"), asRepoHost);
    // The seed's own full backup still goes to repository 1.
    await db.run(
      jobCommand(manifestsDir, "schedules/pgbackrest-full-backup-cronjob.yaml"),
      asRepoHost,
    );
    const backups = (await info(db)).backup.map((b) => [b.type, repoOf(b)]);
    expect(backups).toEqual([
      ["full", 2],
      ["diff", 2],
      ["full", 1],
    ]);
  }, 180_000);

  it("keeps nothing readable in the bucket: every file is encrypted, no row appears", async () => {
    await db.sql("select pg_switch_wal()");
    await db.run(["pgbackrest", "--stanza=mcpgov", "check"], asRepoHost);
    // The marker is in the database's own files, so its absence below means something.
    const walDir = join(db.pgdata, "pg_wal");
    const { stdout: grep } = await db.run(["grep", "-rl", MARKER, walDir], { allowFailure: true });
    expect(grep).not.toBe("");
    const objects = s3.objects();
    expect(objects.length).toBeGreaterThan(20);
    const readable = objects.filter((o) => readFileSync(o.path).includes(MARKER));
    expect(readable.map((o) => o.key)).toEqual([]);
    // pgBackRest's encrypted files start with OpenSSL's salt header; repository 1's do not.
    const plain = objects.filter(
      (o) => !readFileSync(o.path).subarray(0, 8).equals(Buffer.from("Salted__")),
    );
    expect(plain.map((o) => o.key)).toEqual([]);
  }, 60_000);

  it("validates the bucket's newest backup with --repo 2, and the report names it", async () => {
    const scratch = join(db.dir, "scratch-s3");
    makeServiceSubdir(scratch);
    const report = join(scratch, "report.json");
    const { code, stderr } = await db.run(
      [
        stagedForService("scripts", "restore-validation.sh"),
        "--repo",
        "2",
        "--scratch",
        scratch,
      ].concat(["--report", report, "--timeout", "120"]),
      { allowFailure: true, ...asReader },
    );
    expect(stderr).toContain("PASSED");
    expect(code).toBe(0);
    const parsed = JSON.parse(readFileSync(report, "utf8"));
    expect(parsed.status).toBe("passed");
    expect(parsed.backup).toMatchObject({ type: "diff", repo: 2 });
  }, 180_000);

  it("says 'wrong cipher passphrase?' when the passphrase is wrong", async () => {
    const scratch = join(db.dir, "scratch-wrong");
    makeServiceSubdir(scratch);
    const report = join(scratch, "report.json");
    const { code } = await db.run(
      [
        stagedForService("scripts", "restore-validation.sh"),
        "--repo",
        "2",
        "--scratch",
        scratch,
      ].concat(["--report", report]),
      {
        allowFailure: true,
        env: { ...asReader.env, PGBACKREST_REPO2_CIPHER_PASS: "not-the-passphrase" },
      },
    );
    expect(code).toBe(2);
    const parsed = JSON.parse(readFileSync(report, "utf8"));
    expect(parsed.reason).toContain("wrong cipher passphrase?");
    expect(parsed.reason).toContain("repo2-cipher-pass, the pgbackrest-cipher Secret");
  }, 60_000);
});

describe("a missing or wrong passphrase, as pgBackRest really reports it", () => {
  const backup = ["pgbackrest", "--stanza=mcpgov", "--repo=2", "--type=incr", "backup"];

  it("is explained where the Action and the bot show a failed Job's log", async () => {
    const missing = await db.run(["env", "-u", "PGBACKREST_REPO2_CIPHER_PASS", ...backup], {
      allowFailure: true,
      ...asRepoHost,
    });
    expect(missing.code).not.toBe(0);
    expect(explainPgbackrest(missing.stdout + missing.stderr)).toMatch(
      /^the cipher passphrase of repo2 is not set: create the pgbackrest-cipher Secret/,
    );
    const wrong = await db.run(backup, {
      allowFailure: true,
      env: { ...asRepoHost.env, PGBACKREST_REPO2_CIPHER_PASS: "not-the-passphrase" },
    });
    expect(wrong.code).not.toBe(0);
    expect(explainPgbackrest(wrong.stdout + wrong.stderr, 2)).toMatch(
      /^wrong cipher passphrase\? pgBackRest cannot read the files of repo2; check repo2-cipher-pass/,
    );
  }, 120_000);

  it("is explained in the repository's status, which /backup status and the Action show", async () => {
    const { stdout } = await db.run(["pgbackrest", "--stanza=mcpgov", "--output=json", "info"], {
      env: { ...asReader.env, PGBACKREST_REPO2_CIPHER_PASS: "not-the-passphrase" },
    });
    const states = repositories(findStanza(parseInfo(stdout), "mcpgov"));
    expect(states.map((r) => [r.repo, r.ok])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(states[1]?.message).toContain(
      "wrong cipher passphrase? pgBackRest cannot read the files of repo2",
    );
  }, 60_000);

  it("makes repo2 unhealthy in the metrics (PgBackRestRepositoryUnhealthy), repo1 still counted", async () => {
    const { stdout, stderr } = await db.run(
      [stagedForService("scripts", "pgbackrest-metrics.sh"), "--stanza", "mcpgov"],
      { env: { ...asReader.env, PGBACKREST_REPO2_CIPHER_PASS: "not-the-passphrase" } },
    );
    const samples = parseMetrics(stdout);
    expect(sampleValue(samples, "mcpgov_backup_info_success", { stanza: "mcpgov" })).toBe(1);
    expect(sampleValue(samples, "mcpgov_backup_repo_status_code", { repo: "1" })).toBe(0);
    expect(sampleValue(samples, "mcpgov_backup_repo_status_code", { repo: "2" })).toBe(99);
    expect(stderr).toMatch(/stanza mcpgov repo2: /);
  }, 60_000);
});

describe("an outage of the bucket during a write load", () => {
  let target = "";
  let rowsAtTarget = 0;
  let lastSegment = "";

  it("keeps PostgreSQL serving and every WAL segment, and archives them once it is back", async () => {
    const before = await db.sql("select failed_count from pg_stat_archiver");
    await s3.stop();
    let id = 10_000;
    const batch = async () => {
      await db.sql(
        `insert into ledger (id, note) select n, 'outage' from generate_series(${id + 1}, ${id + 200}) n`,
      );
      id += 200;
      await db.sql("select pg_switch_wal()");
    };
    for (let i = 0; i < 4; i++) await batch();
    target = await db.sql(
      `select to_char(clock_timestamp() at time zone 'UTC', '${SQL_TARGET_US}"+00"')`,
    );
    rowsAtTarget = Number(await db.sql("select count(*) from ledger"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 0; i < 4; i++) await batch();
    // PostgreSQL took every write while archive_command failed (it gives up on the bucket
    // after io-timeout per file, about 40 s) and kept the segments.
    expect(Number(await db.sql("select count(*) from ledger"))).toBe(rowsAtTarget + 800);
    // A backup Job's log while the bucket is down, explained as the Action and the bot show it.
    const refused = await db.run(
      ["pgbackrest", "--stanza=mcpgov", "--repo=2", "--type=incr", "--io-timeout=5", "backup"],
      { allowFailure: true, ...asRepoHost },
    );
    expect(refused.code).not.toBe(0);
    expect(explainPgbackrest(refused.stdout + refused.stderr)).toMatch(
      new RegExp(`^cannot connect to '${s3.host}:${s3.port}[^']*': is the S3 endpoint`),
    );
    const failing = Date.now() + 120_000;
    while (Number(await db.sql("select failed_count from pg_stat_archiver")) <= Number(before)) {
      if (Date.now() > failing) throw new Error("archive_command did not fail within 120 s");
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }

    await s3.resume();
    lastSegment = await db.sql("select pg_walfile_name(pg_current_wal_lsn())");
    await db.sql("select pg_switch_wal()");
    const deadline = Date.now() + 120_000;
    while (
      (await db.sql("select coalesce(last_archived_wal, '') from pg_stat_archiver")) < lastSegment
    ) {
      if (Date.now() > deadline)
        throw new Error(`WAL up to ${lastSegment} was not archived in 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // No gap in the bucket's WAL from the first backup to the last segment written.
    const segments = bucketSegments().filter((s) => s <= lastSegment);
    const numbers = [...new Set(segments.map(segmentNumber))];
    const first = numbers[0] ?? 0n;
    expect(numbers).toEqual(numbers.map((_, i) => first + BigInt(i)));
    expect(segments.at(-1)).toBe(lastSegment);
  }, 240_000);

  it("restores from the bucket alone to a moment inside the outage, exactly", async () => {
    const host = await hostWithOnlyTheBucket();
    await restoreToTime(host, manifestsDir, target, ["--repo=2"]);
    expect(Number(await host.sql("select count(*) from ledger"))).toBe(rowsAtTarget);
    expect(await host.sql("select count(*) from ledger where note like 'mcpgov-plaintext%'")).toBe(
      "2000",
    );
  }, 240_000);
});

describe("adding the bucket to a stanza that already has repository 1", () => {
  it("stanza-create run again creates it in the bucket and leaves repository 1 and its backups", async () => {
    // A stanza of its own in the same bucket path, which the keys' policies cover.
    const host = await PgHost.create({ manifestsDir, env: { PGBACKREST_STANZA: "added" } });
    restored.push(host);
    await host.initdb();
    await host.start();
    const stanzaCreate = jobCommand(manifestsDir, "pgbackrest-stanza-create-job.yaml");
    await host.run(stanzaCreate, asRepoHost);
    await host.run(
      jobCommand(manifestsDir, "schedules/pgbackrest-full-backup-cronjob.yaml"),
      asRepoHost,
    );
    const before = await info(host, undefined, "added");

    // What the pods see after pgbackrest-s3 is applied and they restart (docs/s3.md):
    // PostgreSQL's archive_command too, or check's WAL never reaches the bucket.
    Object.assign(host.env, repo2Env(s3));
    await host.stop();
    await host.start();
    const again = await host.run(stanzaCreate, asRepoHost);
    expect(again.stdout + again.stderr).toMatch(
      /stanza 'added' already exists on repo1 and is valid/,
    );
    const after = await info(host, undefined, "added");
    expect(after.repo?.map((r) => [r.key, r.cipher, r.status.message])).toEqual([
      [1, "none", "ok"],
      [2, "aes-256-cbc", "no valid backups"],
    ]);
    expect(after.backup.map((b) => b.label)).toEqual(before.backup.map((b) => b.label));
  }, 120_000);
});

describe("one key per job: only the repository host's may delete (manifests/s3/iam)", () => {
  /** Each object of the bucket and a digest of its bytes. */
  const bucketState = () =>
    new Map(
      s3
        .objects()
        .map((o) => [o.key, createHash("sha256").update(readFileSync(o.path)).digest("hex")]),
    );
  const expire = [
    "pgbackrest",
    "--stanza=mcpgov",
    "--repo=2",
    // A count of one, over the bucket's time retention (28 days), which would expire none
    // of these minutes-old fulls.
    "--repo2-retention-full-type=count",
    "--repo2-retention-full=1",
    "expire",
  ];

  it("refuses an expiry with PostgreSQL's key or a restore's: every object stays as it was", async () => {
    // A second full in the bucket, so that a retention of one has a full to expire.
    await db.run(s3Command("pgbackrest-full-backup-s3"), asRepoHost);
    const fulls = (await info(db)).backup.filter((b) => b.type === "full" && repoOf(b) === 2);
    expect(fulls.length).toBe(2);
    const before = bucketState();
    s3.denials.length = 0;

    for (const [key, options] of [
      ["MCPGOVWRITER", {}], // the host's own environment: PostgreSQL's key
      ["MCPGOVREADER", asReader],
    ] as const) {
      const refused = await db.run(expire, { allowFailure: true, ...options });
      expect(refused.code, `expire with ${key}`).not.toBe(0);
      expect(refused.stdout + refused.stderr).toMatch(/AccessDenied/);
      expect(s3.denials.some((d) => d.startsWith(`denied ${key} s3:`))).toBe(true);
    }
    expect(bucketState()).toEqual(before);
    expect((await info(db)).backup.filter((b) => repoOf(b) === 2).length).toBe(fulls.length + 1);
  }, 180_000);

  it("lets neither PostgreSQL's key nor a restore's delete a WAL segment; PostgreSQL's still adds WAL", async () => {
    const segment = s3.objects().find((o) => /\/archive\/.*-[0-9a-f]{40}/.test(o.key));
    if (!segment) throw new Error("no WAL segment in the bucket");
    const before = bucketState();
    s3.denials.length = 0;
    // What a pod taken over would try: pgBackRest's own rm of a segment, under the path.
    const inRepo = segment.key.replace(/^mcpgov\//, "");
    const remove = (options: object) =>
      db.run(["pgbackrest", "--stanza=mcpgov", "--repo=2", "repo-rm", inRepo], {
        allowFailure: true,
        ...options,
      });
    expect((await remove({})).code).not.toBe(0);
    expect((await remove(asReader)).code).not.toBe(0);
    expect(s3.denials).toEqual([
      `denied MCPGOVWRITER s3:DeleteObject arn:aws:s3:::${s3.bucket}/${segment.key}`,
      `denied MCPGOVREADER s3:DeleteObject arn:aws:s3:::${s3.bucket}/${segment.key}`,
    ]);
    expect(bucketState()).toEqual(before);
    // WAL still arrives with PostgreSQL's key.
    const last = await db.sql("select pg_walfile_name(pg_current_wal_lsn())");
    await db.sql("select pg_switch_wal()");
    const deadline = Date.now() + 60_000;
    while (!bucketSegments().includes(last)) {
      if (Date.now() > deadline) throw new Error(`${last} did not reach the bucket in 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }, 120_000);

  it("expires with the repository host's key, as its backups do", async () => {
    const oldest = (await info(db)).backup.find((b) => repoOf(b) === 2);
    s3.denials.length = 0;
    await db.run(expire, asRepoHost);
    const left = (await info(db)).backup.filter((b) => repoOf(b) === 2);
    expect(left.map((b) => b.label)).not.toContain(oldest?.label);
    expect(left.map((b) => b.type)).toEqual(["full"]);
    // Its files are gone; pgBackRest keeps only its manifest in backup.history.
    const files = s3
      .objects()
      .filter((o) => oldest && o.key.includes(`/backup/mcpgov/${oldest.label}/`));
    expect({ files: files.map((f) => f.key), denials: s3.denials }).toEqual({
      files: [],
      denials: [],
    });
  }, 120_000);
});
