// The bot's decisions against GitHub's and the cluster's contracts: who may run what, on
// which issues, once; what it posts (and never posts); how a restore plan is checked.
// Real backups and restores are in test/e2e/bot.test.ts.
import nock from "nock";
import type { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Bot, createBot } from "../../src/bot/app.ts";
import { type Operation, operationId } from "../../src/bot/records.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { lockLease } from "../../src/core/lock.ts";
import { BASE_NAMESPACE, BASE_RECORDS_NAMESPACE } from "../../src/core/names/defaults.ts";
import { CURRENT_TIMELINE_SQL } from "../../src/core/names/formats.ts";
import {
  CLONE_LABEL,
  COMPONENT,
  COMPONENT_LABEL,
  DELIVERY_ID_ANNOTATION,
  EXPIRES_ANNOTATION,
  REQUEST_URL_ANNOTATION,
  REQUESTED_BY_ANNOTATION,
} from "../../src/core/names/labels.ts";
import {
  LOCK_NAME,
  POSTGRES,
  planRecordName,
  RECORD_PREFIX,
  REPO_HOST,
  recordName,
} from "../../src/core/names/objects.ts";
import type { PlanRecord } from "../../src/core/plans/record.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";
import {
  commentPayload,
  deliver,
  FakeGitHub,
  type GitHubOptions,
  INSTALLATION_TOKEN,
  testProbot,
  testSettings,
} from "../../src/fakes/github.ts";
import { sampleBackup, sampleInfo } from "../../src/fakes/pgbackrest-info.ts";
import { baseObject } from "../support/base.ts";

const NS = BASE_NAMESPACE;
/** Where the bot keeps its operation records, apart from the product's configuration. */
const RECORDS = BASE_RECORDS_NAMESPACE;
const HOUR = 3_600_000;
const now = Date.now();

/** A full backup 3 h ago and a diff 1 h ago, as `pgbackrest info --output=json` prints them. */
function info(extra: object[] = []): string {
  return sampleInfo([
    sampleBackup("20261124-010000F", "full", now - 3 * HOUR - 60_000, now - 3 * HOUR),
    sampleBackup("20261124-010000F_20261124-030000D", "diff", now - HOUR - 10_000, now - HOUR),
    ...extra,
  ]);
}

/** When the last transaction recovery replayed committed; the plans below target now - 2 h. */
let replayed = () => new Date(now - 2 * HOUR - 60_000);

/** The marks the fake PostgreSQL holds (name|lsn|created), as mcpgov_backup.marks lists them. */
let marks: string[] = [];

function cluster(): FakeCluster {
  let timeline = 1;
  marks = [];
  const fake = new FakeCluster({
    job: (job) => {
      if (!job.metadata.name.endsWith("-restore")) return { outcome: "Complete", logs: "done" };
      timeline = 2;
      return { outcome: "Complete", logs: "restore done" };
    },
    exec: (pod, command) => {
      const out = (stdout: string) => ({ code: 0, stdout, stderr: "" });
      if (pod === REPO_HOST.pod) return out(info());
      const sql = command.at(-1) ?? "";
      const made = /pg_create_restore_point\('([^']+)'\)/.exec(sql)?.[1];
      if (made) {
        marks.push(`${made}|0/3000060|${new Date(now - HOUR / 2).toISOString()}`);
        return out(marks.at(-1) ?? "");
      }
      if (sql.includes("to_regclass('mcpgov_backup.marks')")) return out(marks.length ? "t" : "f");
      if (sql.includes("from mcpgov_backup.marks")) return out(marks.join("\n"));
      if (sql.includes("mcpgov_backup")) return out("");
      if (sql.includes("clock_timestamp")) return out(new Date().toISOString());
      if (sql.includes("pg_switch_wal")) return out("00000001000000000000000A");
      if (sql.includes("last_archived_wal, ''), ") || sql.includes("archived_count"))
        return out(`10|00000001000000000000000A|${new Date().toISOString()}|0||`);
      if (sql.includes("last_archived_wal")) return out("00000001000000000000000A");
      if (sql === CURRENT_TIMELINE_SQL) return out(String(timeline));
      if (sql.includes("pg_is_in_recovery")) return out("f");
      if (sql.includes("pg_last_xact_replay_timestamp"))
        return out(replayed().toISOString().replace("T", " ").replace("Z", "000"));
      return out("1");
    },
  });
  void fake.apply([
    baseObject("CronJob", "pgbackrest-full-backup"),
    baseObject("CronJob", "pgbackrest-diff-backup"),
    baseObject("CronJob", "pgbackrest-restore-validation"),
  ]);
  return fake;
}

let probot: Probot;
let bot: Bot;
let fake: FakeCluster;
let github: FakeGitHub;

/** The bot's own settings (its environment), as MCPGOV_* variables. */
async function setup(options: GitHubOptions = {}, settingsEnv: Record<string, string> = {}) {
  github = new FakeGitHub(options);
  fake = cluster();
  bot = createBot({ cluster: fake, settings: testSettings(settingsEnv) });
  probot = testProbot();
  await probot.load(bot.app);
}

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** The plan a command made, as the core recorded it. */
async function planRecord(id: string): Promise<PlanRecord> {
  const object = await fake.get("ConfigMap", RECORDS, planRecordName(id));
  const data = (object?.data ?? {}) as Record<string, string>;
  return JSON.parse(data["plan.json"] ?? "null");
}

/** Writes a changed plan record back, as someone editing the ConfigMap would. */
async function rewritePlan(record: object): Promise<void> {
  const id = (record as PlanRecord).id;
  const object = (await fake.get("ConfigMap", RECORDS, planRecordName(id))) as KubeObject;
  await fake.apply([{ ...object, data: { "plan.json": JSON.stringify(record) } }]);
}

async function operation(commentId: number): Promise<Operation> {
  const object = await fake.get("ConfigMap", RECORDS, recordName(operationId(commentId)));
  const data = (object?.data ?? {}) as Record<string, string>;
  return JSON.parse(data["operation.json"] ?? "null");
}

describe("/backup", () => {
  it("runs one Job from the CronJob, annotated, and edits one status comment to the result", async () => {
    await setup();
    const payload = commentPayload("/backup full", { user: "bob" });
    await deliver(probot, bot, payload, "delivery-full-1");
    expect(github.reactions).toEqual(["eyes"]);
    expect(fake.createdJobs.map((j) => j.metadata.name)).toEqual([
      `pgbackrest-bot-${operationId(payload.comment.id)}-full`,
    ]);
    const annotations = fake.createdJobs[0]?.metadata.annotations;
    expect(annotations).toMatchObject({
      [REQUESTED_BY_ANNOTATION]: "bob",
      [REQUEST_URL_ANNOTATION]: payload.comment.html_url,
      [DELIVERY_ID_ANNOTATION]: "delivery-full-1",
      "cronjob.kubernetes.io/instantiate": "manual",
    });
    expect(github.comments.size).toBe(1);
    const [body] = github.latest();
    expect(body).toContain("`/backup full`");
    expect(body).toMatch(/✅ \| full backup \(Job pgbackrest-bot-\w+-full\) \| \d+\.\d s/);
    expect(body).toContain("✅ diff backup `20261124-010000F_20261124-030000D`");
    expect((await operation(payload.comment.id)).state).toBe("succeeded");
    expect(await fake.get("Lease", NS, LOCK_NAME)).toBeUndefined();
  });

  it("reports each repository on /backup status, and what a wrong passphrase means", async () => {
    await setup();
    const two = JSON.parse(info()) as { backup: object[]; repo?: object[] }[];
    const stanza = two[0] as { backup: Record<string, unknown>[]; repo?: object[] };
    // The full backup is in the bucket (repo2), the diff on the volume (repo1).
    stanza.backup[0] = { ...stanza.backup[0], database: { id: 1, "repo-key": 2 } };
    stanza.backup[1] = { ...stanza.backup[1], database: { id: 1, "repo-key": 1 } };
    stanza.repo = [
      { key: 1, cipher: "none", status: { code: 0, message: "ok" } },
      {
        key: 2,
        cipher: "aes-256-cbc",
        status: {
          code: 99,
          message:
            "other\n[FormatError] key/value found outside of section at line 1: \u0001\u00ff",
        },
      },
    ];
    const exec = fake.behaviour.exec;
    fake.behaviour.exec = (pod, command) =>
      pod === REPO_HOST.pod
        ? { code: 0, stdout: JSON.stringify(two), stderr: "" }
        : (exec?.(pod, command) ?? { code: 0, stdout: "", stderr: "" });
    await deliver(probot, bot, commentPayload("/backup status"));
    const [body] = github.latest();
    expect(body).toContain("- **repo1** (not encrypted): ✅ ok");
    expect(body).toMatch(
      /- \*\*repo2\*\* \(aes-256-cbc\): ❌ other \[FormatError\] key\/value found outside of section at line 1: — wrong cipher passphrase\? pgBackRest cannot read the files of repo2; check repo2-cipher-pass, the pgbackrest-cipher Secret/,
    );
    expect(body).toMatch(/\| full \| `20261124-010000F` \|.*\| repo2 \|/);
    expect(body).toMatch(/\| diff \| `20261124-010000F_20261124-030000D` \|.*\| repo1 \|/);
    expect(body).toMatch(/ {2}- repo1: \S+Z → \S+Z\n {2}- repo2: \S+Z → \S+Z/);
  });

  it("makes an incremental backup from the differential CronJob with the type changed", async () => {
    await setup();
    await deliver(probot, bot, commentPayload("/backup incr"));
    const spec = fake.createdJobs[0]?.spec as {
      template: { spec: { containers: { command: string[] }[] } };
    };
    const command = spec.template.spec.containers[0]?.command;
    expect(command?.join(" ")).toContain("--type=incr");
    expect(command?.join(" ")).not.toContain("--type=diff");
  });

  it("does nothing a second time when GitHub delivers the same comment again", async () => {
    await setup();
    const payload = commentPayload("/backup full");
    await deliver(probot, bot, payload, "delivery-a");
    await deliver(probot, bot, payload, "delivery-b");
    expect(fake.createdJobs).toHaveLength(1);
    expect(github.comments.size).toBe(1);
    expect(github.reactions).toHaveLength(1);
  });

  it("refuses while another operation holds the lock, naming it", async () => {
    await setup();
    await fake.create(
      lockLease(NS, {
        operation: "abc123",
        command: "/restore validate",
        requester: "carol",
        ifInterrupted: "release",
        since: "2026-11-24T10:00:00.000Z",
        renewed: new Date(Date.now() - 30_000).toISOString(),
      }),
    );
    await deliver(probot, bot, commentPayload("/backup full"));
    expect(fake.createdJobs).toHaveLength(0);
    expect(github.latest()[0]).toContain(
      "❌ Not now: another operation holds the lock: `/restore validate` (op abc123) by @carol since 2026-11-24T10:00:00.000Z, renewed at",
    );
    expect(await fake.get("Lease", NS, LOCK_NAME)).toBeDefined();
  });

  it("releases at start a lock whose backup stopped renewing it, and keeps an interrupted restore's", async () => {
    await setup();
    // Renewed last long ago: its holder is gone.
    const staleLease = (operation: string, command: string, ifInterrupted: "keep" | "release") =>
      lockLease(NS, {
        operation,
        command,
        requester: "carol",
        ifInterrupted,
        since: "2026-11-24T10:00:00.000Z",
        renewed: "2026-11-24T10:01:00.000Z",
      });
    const said: string[] = [];
    await fake.create(staleLease("restore1", "/restore pitr 2026-11-24 09:00:00+00", "keep"));
    await bot.reconcile((line) => said.push(line));
    expect(await fake.get("Lease", NS, LOCK_NAME)).toBeDefined();
    expect(said[0]).toMatch(/^kept the lock of an interrupted restore: `\/restore pitr/);
    await fake.delete("Lease", NS, LOCK_NAME);
    await fake.create(staleLease("backup1", "/backup full", "release"));
    await bot.reconcile((line) => said.push(line));
    expect(await fake.get("Lease", NS, LOCK_NAME)).toBeUndefined();
    expect(said[1]).toBe(
      "released the lock of `/backup full` (op backup1): its holder stopped renewing it at 2026-11-24T10:01:00.000Z",
    );
  });

  it("shows a failed Job's pods, events and log tail, and never a secret from it", async () => {
    await setup();
    const secrets = [
      "PGPASSWORD=hunter2-db-password",
      "repo1-cipher-pass=Zx9-cipher-passphrase",
      "PGBACKREST_REPO1_S3_KEY_SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      `token ${INSTALLATION_TOKEN}`,
      "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.signature",
    ];
    fake.behaviour.job = () => ({
      outcome: "Failed",
      reason: "BackoffLimitExceeded",
      logs: `${"x\n".repeat(100)}${secrets.join("\n")}\nERROR: [082]: WAL segment 000000010000000000000005 was not archived before the 60000ms timeout`,
    });
    await deliver(probot, bot, commentPayload("/backup full"));
    const body = github.latest()[0] ?? "";
    expect(body).toContain("❌ | full backup");
    expect(body).toContain("<details><summary>Job pgbackrest-bot-");
    expect(body).toContain("ERROR: [082]: WAL segment");
    for (const value of [
      "hunter2-db-password",
      "Zx9-cipher-passphrase",
      "wJalrXUtnFEMI",
      INSTALLATION_TOKEN,
      "eyJhbGciOiJSUzI1NiJ9",
    ])
      expect(github.everything()).not.toContain(value);
    expect(await fake.get("Lease", NS, LOCK_NAME)).toBeUndefined();
  });

  it("keeps the status comment under GitHub's 65,536 characters with a huge log", async () => {
    await setup();
    fake.behaviour.job = () => ({
      outcome: "Failed",
      // Long lines: the tail shown is 40 lines, so only their length can overflow a comment.
      logs: `${"P00 INFO: backup file base/1/2613 (8KB, 0.00%) ".repeat(200)}\n`.repeat(100),
    });
    await deliver(probot, bot, commentPayload("/backup full"));
    for (const body of [...github.comments.values()].flat())
      expect(body.length).toBeLessThanOrEqual(65_536);
    expect(github.latest()[0]).toContain("…(earlier lines cut)");
  });
});

describe("who may run what, where", () => {
  /** The bot's records in the cluster: one ConfigMap per operation it accepted. */
  const records = () =>
    [...fake.objects.values()].filter((o) => o.metadata.name.startsWith(RECORD_PREFIX));

  it("does nothing at all for a repository its settings do not name", async () => {
    // An admin of a repository anyone in the organisation could create.
    await setup({ roles: { mallory: "admin" } });
    for (const body of ["/backup full", "/restore pitr 2026-11-24 14:30:00+00", "/backup help"])
      await deliver(
        probot,
        bot,
        commentPayload(body, { user: "mallory", repository: "acme/sandbox" }),
      );
    expect(records()).toEqual([]);
    expect(fake.createdJobs).toEqual([]);
    expect(await fake.get("Lease", NS, LOCK_NAME)).toBeUndefined();
    expect(github.comments.size).toBe(0);
    expect(github.reactions).toEqual([]);
  });

  it("records nothing for a command it refuses", async () => {
    await setup();
    await deliver(probot, bot, commentPayload("/backup full", { labels: ["bug"] }));
    await deliver(probot, bot, commentPayload("/backup full", { user: "mallory" }));
    await deliver(
      probot,
      bot,
      commentPayload("/restore pitr 2026-11-24 14:30:00+00", { user: "bob" }),
    );
    expect(github.latest()).toHaveLength(3);
    expect(records()).toEqual([]);
  });

  it("refuses every command while the policy file tries to loosen the bot's floor", async () => {
    await setup({ policy: "permissions:\n  restore: write\n" });
    await deliver(
      probot,
      bot,
      commentPayload("/restore pitr 2026-11-24 14:30:00+00", { user: "bob" }),
    );
    expect(github.latest()).toEqual([
      "@bob: nothing was run: .github/mcpgov-backup.yml: permissions.restore is write, below the admin the bot's settings require (MCPGOV_MIN_RIGHTS); this file can only ask for more",
    ]);
    expect(records()).toEqual([]);
  });

  it("reads only the repository's own policy file, never the organisation's", async () => {
    // The organisation's .github repository would move commands to issues labelled "any".
    await setup({ orgPolicy: "ops_label: any\npermissions:\n  backup: read\n" });
    await deliver(probot, bot, commentPayload("/backup full", { labels: ["any"] }));
    expect(github.latest()[0]).toContain("commands run only on issues labelled `ops`");
    expect(fake.createdJobs).toEqual([]);
  });

  it("removes old records after a command, and keeps a plan waiting and a restore running", async () => {
    await setup();
    const old = new Date(now - 40 * HOUR * 24).toISOString();
    const labelled = (component: string) => ({
      "app.kubernetes.io/name": component === "plan" ? "mcpgov-backup" : "mcpgov-backup-bot",
      "app.kubernetes.io/part-of": "mcpgov-backup",
      "app.kubernetes.io/component": component,
    });
    const record = (id: string, state: string) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: recordName(id),
        namespace: RECORDS,
        labels: labelled("bot-operation"),
      },
      data: { "operation.json": JSON.stringify({ id, state, createdAt: old }) },
    });
    const plan = (id: string, state: string, expiresAt?: string) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: planRecordName(id), namespace: RECORDS, labels: labelled("plan") },
      data: { "plan.json": JSON.stringify({ id, state, createdAt: old, expiresAt }) },
    });
    await fake.apply([
      record("old1", "succeeded"),
      record("old2", "refused"),
      record("old3", "running"),
      plan("old4", "planned", new Date(now + HOUR).toISOString()),
      plan("old5", "planned"),
      plan("old6", "running"),
      plan("old7", "cancelled"),
    ]);
    await deliver(probot, bot, commentPayload("/backup status"));
    const kept = [...fake.objects.values()]
      .filter((o) => o.metadata.namespace === RECORDS)
      .map((o) => o.metadata.name);
    // The status command's own record, the operation running, the plan still waiting and
    // the plan being carried out.
    expect(kept).toHaveLength(4);
    expect(kept).toEqual(
      expect.arrayContaining([
        "mcpgov-bot-op-old3",
        planRecordName("old4"),
        planRecordName("old6"),
      ]),
    );
  });

  it("tells a writer that /restore needs admin, and runs nothing", async () => {
    await setup();
    await deliver(
      probot,
      bot,
      commentPayload("/restore pitr 2026-11-24 14:30:00+00", { user: "bob" }),
    );
    expect(github.latest()).toEqual(["@bob: `/restore pitr` needs admin; you have write"]);
    expect(fake.createdJobs).toHaveLength(0);
  });

  it("lets a member of a restore team plan a restore", async () => {
    await setup(
      { policy: "restore_teams: [dba-oncall]\n", teams: { "dba-oncall": ["bob"] } },
      { MCPGOV_RESTORE_TEAMS: "dba-oncall" },
    );
    await deliver(
      probot,
      bot,
      commentPayload(`/restore pitr ${new Date(now - 2 * HOUR).toISOString()}`, { user: "bob" }),
    );
    expect(github.latest()[0]).toContain("**Plan — nothing has changed yet.**");
  });

  it("fails closed when GitHub cannot say what the requester may do", async () => {
    await setup({ permissionStatus: 502 });
    await deliver(probot, bot, commentPayload("/backup full"));
    expect(github.latest()[0]).toMatch(
      /could not read your permission on acme\/ops \(502\), so nothing was run/,
    );
    expect(fake.createdJobs).toHaveLength(0);
  });

  it("denies someone who is not a collaborator", async () => {
    await setup();
    await deliver(probot, bot, commentPayload("/backup status", { user: "mallory" }));
    expect(github.latest()[0]).toBe(
      "@mallory: `/backup status` needs write; you are not a collaborator on acme/ops",
    );
    expect(fake.createdJobs).toHaveLength(0);
  });

  it("takes commands only on issues with the ops label, not on pull requests", async () => {
    await setup();
    await deliver(probot, bot, commentPayload("/backup full", { labels: ["bug"] }));
    await deliver(probot, bot, commentPayload("/backup full", { pullRequest: true }));
    expect(github.latest()).toEqual([
      "@alice: commands run only on issues labelled `ops` (set by `ops_label` in .github/mcpgov-backup.yml).",
      "@alice: commands run only on issues labelled `ops` (set by `ops_label` in .github/mcpgov-backup.yml).",
    ]);
    expect(fake.createdJobs).toHaveLength(0);
  });

  it("reads the ops label from the policy, and refuses everything when the policy is wrong", async () => {
    await setup({ policy: "ops_label: incident\n" });
    await deliver(probot, bot, commentPayload("/backup full", { labels: ["incident"] }));
    expect(fake.createdJobs).toHaveLength(1);
    nock.cleanAll();
    await setup({ policy: "ops_lable: incident\n" });
    await deliver(probot, bot, commentPayload("/backup full"));
    expect(github.latest()[0]).toMatch(
      /nothing was run: .github\/mcpgov-backup.yml: unknown setting ops_lable/,
    );
    expect(fake.createdJobs).toHaveLength(0);
  });

  it("runs nothing when the cluster cannot record the command, and says so", async () => {
    await setup();
    fake.create = async () => {
      throw new Error("connect ECONNREFUSED 10.96.0.1:443");
    };
    await deliver(probot, bot, commentPayload("/backup full"));
    expect(github.latest()).toEqual([
      "@alice: nothing was run: the cluster did not take the command's record (connect ECONNREFUSED 10.96.0.1:443). Try again.",
    ]);
    expect(fake.createdJobs).toHaveLength(0);
  });

  it("goes on when GitHub refuses comment writes, and the comment catches up with the whole state", async () => {
    await setup({ failWrites: 2 });
    const payload = commentPayload("/backup full");
    await deliver(probot, bot, payload);
    expect(github.failedWrites).toBe(2);
    expect(fake.createdJobs).toHaveLength(1);
    expect((await operation(payload.comment.id)).state).toBe("succeeded");
    const [body] = github.latest();
    expect(body).toMatch(/✅ \| full backup \(Job pgbackrest-bot-\w+-full\)/);
    expect(body).toContain("✅ diff backup `20261124-010000F_20261124-030000D`");
  });

  it("ignores bots, and comments that only mention a command", async () => {
    await setup();
    await deliver(
      probot,
      bot,
      commentPayload("/backup full", { userType: "Bot", user: "ci[bot]" }),
    );
    await deliver(probot, bot, commentPayload("> /backup full\nshould we?"));
    expect(github.comments.size).toBe(0);
    expect(github.reactions).toHaveLength(0);
  });

  it("answers /help and explains a mistyped command", async () => {
    await setup();
    await deliver(probot, bot, commentPayload("/help", { user: "bob" }));
    await deliver(probot, bot, commentPayload("/backup everything", { user: "bob" }));
    const [help, wrong] = github.latest();
    expect(help).toContain("`/restore pitr <time>`");
    expect(wrong).toContain("@bob: that is not a command I know. Try:\n`/backup full|diff|incr`");
  });
});

describe("/backup mark, /restore pitr mark:NAME and /restore latest", () => {
  it("makes a named restore point, archives its WAL, and plans a restore to exactly it", async () => {
    await setup({ roles: { alice: "admin", bob: "write" } });
    await deliver(probot, bot, commentPayload("/backup mark before-migration-42", { user: "bob" }));
    expect(github.latest().at(-1)).toMatch(
      /🔖 restore point `before-migration-42` at `0\/3000060` \(.+Z\); WAL segment `00000001000000000000000A` is in the repository/,
    );
    const made = fake.execs.find((e) => e.command.join(" ").includes("pg_create_restore_point"));
    expect(made?.command.at(-1)).toContain("pg_create_restore_point('before-migration-42')");

    await deliver(probot, bot, commentPayload("/restore pitr mark:before-migration-42"));
    const plan = github.latest().at(-1) ?? "";
    expect(plan).toContain("Restore production to **mark before-migration-42, made ");
    expect(plan).toContain("then WAL up to the mark itself");

    await deliver(probot, bot, commentPayload("/restore pitr mark:nope"));
    expect(github.latest().at(-1)).toMatch(
      /There is no mark nope\. Marks: before-migration-42 \(\d{4}-.+Z\)\./,
    );
  });

  it("plans /restore latest and carries it out with the seed's full restore, pinned", async () => {
    await setup({ roles: { alice: "admin" } });
    const payload = commentPayload("/restore latest");
    await deliver(probot, bot, payload);
    expect(github.latest().at(-1)).toContain(
      "Restore production to **the newest state: every archived WAL (up to ",
    );
    await deliver(
      probot,
      bot,
      commentPayload(`/restore confirm ${operationId(payload.comment.id)}`),
    );
    const restore = fake.createdJobs.find((j) => j.metadata.name.endsWith("-restore"));
    type JobSpec = {
      template: { spec: { containers: { args: string[]; env: { name: string }[] }[] } };
    };
    const container = (restore?.spec as JobSpec | undefined)?.template.spec.containers[0];
    // The newest backup set, and no target: recovery replays every archived WAL.
    expect(container?.args).toEqual([
      "--delta",
      "--type=default",
      "--stanza=mcpgov",
      "--repo=1",
      "--set=20261124-010000F_20261124-030000D",
      "restore",
    ]);
    expect(container?.env.map((e) => e.name)).not.toContain("RESTORE_TARGET");
    expect(github.latest().at(-1)).toContain("✅ Restored to **the newest state**");
  });

  it("refuses a mark that has left the recovery window, with the marks that have not", async () => {
    await setup({ roles: { alice: "admin" } });
    // Made before the oldest backup (3 h ago), and one inside the window.
    marks.push(`too-old|0/1000060|${new Date(now - 5 * HOUR).toISOString()}`);
    marks.push(`recent|0/5000060|${new Date(now - HOUR / 2).toISOString()}`);
    await deliver(probot, bot, commentPayload("/restore pitr mark:too-old"));
    const body = github.latest().at(-1) ?? "";
    expect(body).toContain("Mark too-old (made ");
    expect(body).toContain("can no longer be restored to:");
    expect(body).toMatch(/Marks that can: recent \(.+Z\)\./);
    expect(fake.createdJobs).toEqual([]);
  });

  it("says what a mark's name may be, and runs nothing for one that is not", async () => {
    await setup({ roles: { bob: "write" } });
    await deliver(probot, bot, commentPayload("/backup mark x';drop", { user: "bob" }));
    expect(github.latest().at(-1)).toContain("`/backup mark` needs one name");
    expect(fake.execs).toEqual([]);
  });
});

describe("/restore pitr: the plan and its checks", () => {
  async function plan(time: string, user = "alice") {
    const payload = commentPayload(`/restore pitr ${time}`, { user });
    await deliver(probot, bot, payload);
    return { payload, body: github.latest().at(-1) ?? "" };
  }

  it("posts the plan — target, backup set, what stops, estimate — and changes nothing", async () => {
    await setup({ policy: "stop_workloads: [deployment/governance-api]\nconfirm_minutes: 10\n" });
    const target = new Date(now - 2 * HOUR);
    const { payload, body } = await plan(target.toISOString());
    const id = operationId(payload.comment.id);
    // The target's UTC wall clock worked out with Date, not with src/core/time.ts, which
    // wrote the plan: an independent reading of the same instant.
    expect(body).toContain(
      `Restore production to **${target.toISOString().slice(0, 19).replace("T", " ")}.`,
    );
    expect(body).toContain("backup set `20261124-010000F`");
    expect(body).toContain(
      "stops `deployment/governance-api` and then `statefulset/postgres` for the restore, and starts them again afterwards",
    );
    expect(body).toMatch(/estimated duration: about \d+ min/);
    expect(body).toContain(`\`/restore confirm ${id}\``);
    expect(fake.createdJobs).toHaveLength(0);
    expect(fake.scaled).toHaveLength(0);
    expect((await operation(payload.comment.id)).state).toBe("planned");
  });

  it.each([
    [
      "a time before the oldest backup",
      () => new Date(now - 5 * HOUR).toISOString(),
      /is before the oldest restorable point\. The recovery window is/,
    ],
    ["a time in the future", () => new Date(now + HOUR).toISOString(), /is in the future/],
    ["a time without a zone", () => "2026-11-24 14:30:00", /has no zone/],
    [
      "a local time that never happened",
      () => "2026-03-29 02:30:00 Europe/Berlin",
      /did not happen/,
    ],
    [
      "shell metacharacters",
      () => "2026-11-24 14:30:00+00$(reboot)",
      /cannot read .* as a point in time/,
    ],
  ])("refuses %s, saying why", async (_what, time, message) => {
    await setup();
    const { body } = await plan(time());
    expect(body).toMatch(message);
    expect(body).not.toContain("Plan —");
    expect(fake.createdJobs).toHaveLength(0);
  });

  it("refuses to plan while a backup Job runs", async () => {
    await setup();
    await fake.apply([
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: {
          name: "pgbackrest-full-backup-29123",
          namespace: NS,
          labels: { app: "pgbackrest" },
        },
        status: { active: 1 },
      },
    ]);
    const { body } = await plan(new Date(now - 2 * HOUR).toISOString());
    expect(body).toContain("Job `pgbackrest-full-backup-29123` is still running");
  });
});

describe("/restore confirm and cancel", () => {
  async function planned(policy = "") {
    await setup({ policy, roles: { alice: "admin", dana: "admin", bob: "write" } });
    const payload = commentPayload(`/restore pitr ${new Date(now - 2 * HOUR).toISOString()}`);
    await deliver(probot, bot, payload);
    return operationId(payload.comment.id);
  }

  it("pins the plan's stanza, backup set, repository and timeline in the restore Job", async () => {
    const id = await planned();
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    const restore = fake.createdJobs.find((j) => j.metadata.name.endsWith("-restore"));
    type JobSpec = { template: { spec: { containers: { args: string[] }[] } } };
    const args = (restore?.spec as JobSpec | undefined)?.template.spec.containers[0]?.args;
    expect(args?.slice(-5)).toEqual([
      "--stanza=mcpgov",
      "--repo=1",
      "--set=20261124-010000F",
      "--target-timeline=1",
      "restore",
    ]);
  });

  it("refuses a second confirmation while the first one's restore runs, and keeps its lock", async () => {
    const id = await planned();
    // The first confirmation's restore holds the lock, and renews it.
    const now = new Date().toISOString();
    const running = {
      operation: id,
      command: "/restore pitr …",
      requester: "alice",
      ifInterrupted: "keep" as const,
    };
    await fake.create(lockLease(NS, { ...running, since: now, renewed: now }));
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`, { user: "dana" }));
    expect(github.latest().at(-1)).toContain("❌ Not now: another operation holds the lock");
    expect(fake.createdJobs).toEqual([]);
    expect((await fake.get("Lease", NS, LOCK_NAME))?.spec).toMatchObject({
      holderIdentity: id,
    });
  });

  it("does not start a plan whose backup set was expired since", async () => {
    const id = await planned();
    const original = fake.behaviour.exec;
    // A scheduled full backup and expire: only a newer set is left.
    fake.behaviour.exec = (pod, command) =>
      pod === REPO_HOST.pod
        ? {
            code: 0,
            stdout: sampleInfo([
              sampleBackup(
                "20261124-040000F",
                "full",
                now - 30 * 60_000 - 60_000,
                now - 30 * 60_000,
              ),
            ]),
            stderr: "",
          }
        : (original?.(pod, command) ?? { code: 1, stdout: "", stderr: "" });
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toContain(
      "Not started: backup set 20261124-010000F is no longer in repo1 (expired since the plan). Plan it again.",
    );
    expect(fake.createdJobs).toEqual([]);
    expect(fake.suspensions).toEqual([]);
    expect(await fake.get("Lease", NS, LOCK_NAME)).toBeUndefined();
  });

  it("does not start a plan when production moved to a newer timeline since", async () => {
    const id = await planned();
    const original = fake.behaviour.exec;
    fake.behaviour.exec = (pod, command) =>
      command.at(-1) === CURRENT_TIMELINE_SQL
        ? { code: 0, stdout: "2", stderr: "" }
        : (original?.(pod, command) ?? { code: 1, stdout: "", stderr: "" });
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toContain(
      "Not started: production is on timeline 2 now, not 1 as when this was planned (a restore happened since). Plan it again.",
    );
    expect(fake.createdJobs).toEqual([]);
    expect(await fake.get("Lease", NS, LOCK_NAME)).toBeUndefined();
  });

  it("carries out a confirmed plan in order, edits the plan's comment, and ignores a second confirm", async () => {
    const id = await planned("stop_workloads: [deployment/governance-api]\n");
    await fake.apply([
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "governance-api", namespace: NS },
        spec: { replicas: 3, selector: { matchLabels: { app: "governance-api" } } },
      },
    ]);
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(fake.createdJobs.map((j) => j.metadata.name)).toEqual([
      `pgbackrest-bot-${id}-safety`,
      `pgbackrest-bot-${id}-restore`,
    ]);
    expect(fake.scaled).toEqual([
      "Deployment/governance-api=0",
      "StatefulSet/postgres=0",
      "StatefulSet/postgres=1",
      "Deployment/governance-api=3",
    ]);
    // The schedules were paused for the restore and resumed after it.
    expect(fake.suspensions).toEqual([
      "pgbackrest-full-backup=true",
      "pgbackrest-diff-backup=true",
      "pgbackrest-restore-validation=true",
      "pgbackrest-full-backup=false",
      "pgbackrest-diff-backup=false",
      "pgbackrest-restore-validation=false",
    ]);
    expect(github.comments.size).toBe(1);
    const body = github.latest()[0] ?? "";
    expect(body).toContain("**Confirmed** by @alice");
    expect(body).toMatch(
      /✅ Restored to \*\*.*\*\* from backup set `20261124-010000F` \(repo1\)\. PostgreSQL is writable on timeline 2 \(was 1\)/,
    );
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`, { user: "dana" }));
    expect(fake.createdJobs).toHaveLength(2);
    expect(github.latest().at(-1)).toBe(
      `@dana: ❌ Restore ${id} has already been carried out; nothing new was started.`,
    );
  });

  it("asks for a second person when the policy says so", async () => {
    const id = await planned("second_approver: true\n");
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toContain("someone other than @alice must confirm");
    expect(fake.createdJobs).toHaveLength(0);
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`, { user: "dana" }));
    expect(fake.createdJobs).toHaveLength(2);
  });

  it("does not start a plan whose time to confirm has passed", async () => {
    const id = await planned();
    await rewritePlan({
      ...(await planRecord(id)),
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toMatch(
      new RegExp(
        `❌ Restore ${id} expired at \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z; nothing was started. Plan it again`,
      ),
    );
    expect(fake.createdJobs).toHaveLength(0);
    expect((await planRecord(id)).state).toBe("expired");
  });

  it("does not start a plan that has no expiry", async () => {
    const id = await planned();
    const { expiresAt: _, ...plan } = await planRecord(id);
    await rewritePlan(plan);
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toContain(
      `❌ Restore ${id} expired (it has no expiry); nothing was started.`,
    );
    expect(fake.createdJobs).toHaveLength(0);
  });

  it("asks for a new plan when the record is of an older version", async () => {
    const id = await planned();
    const { version: _, ...older } = await planRecord(id);
    await rewritePlan(older);
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toContain("made by an older version of mcpgov-backup");
    expect(github.latest().at(-1)).toContain("plan it again");
    expect(fake.createdJobs).toHaveLength(0);
  });

  it("starts a plan once when it is confirmed and cancelled at the same moment", async () => {
    const id = await planned();
    // The cancellation lands between the confirmation's last read and its write.
    const update = fake.update.bind(fake);
    let raced = false;
    fake.update = async (object) => {
      if (!raced && object.metadata.name === planRecordName(id)) {
        raced = true;
        // What a cancellation handled by another bot process writes.
        await rewritePlan({ ...(await planRecord(id)), state: "cancelled" });
      }
      return update(object);
    };
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(fake.createdJobs).toHaveLength(0);
    expect((await planRecord(id)).state).toBe("cancelled");
    expect(github.latest().at(-1)).toContain("was changed by another request meanwhile");
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
  });

  it("does not start a plan that was cancelled, or one for another id", async () => {
    const id = await planned();
    await deliver(probot, bot, commentPayload("/restore confirm zzzzzz"));
    expect(github.latest().at(-1)).toContain("There is no planned restore zzzzzz here");
    await deliver(probot, bot, commentPayload(`/restore cancel ${id}`));
    expect(github.latest()[0]).toContain("**Cancelled** by @alice");
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toContain(
      `Restore ${id} was cancelled; nothing new was started.`,
    );
    expect(fake.createdJobs).toHaveLength(0);
  });

  it("stops where a step failed, keeps the lock, and says how to go on by hand", async () => {
    const id = await planned();
    fake.behaviour.job = (job) =>
      job.metadata.name.endsWith("-restore")
        ? {
            outcome: "Failed",
            reason: "BackoffLimitExceeded",
            logs: "ERROR: [075]: unable to find backup set with stop time less than '2026-11-24 01:00:00+00'",
          }
        : { outcome: "Complete", logs: "" };
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    const body = github.latest()[0] ?? "";
    expect(body).toContain("❌ Stopped at: the restore Job");
    expect(body).toContain("**PostgreSQL is stopped**");
    expect(body).toContain("kubectl -n ai-governance scale statefulset/postgres --replicas=1");
    expect(body).toContain("ERROR: [075]");
    expect(fake.scaled).toEqual(["StatefulSet/postgres=0"]);
    expect(await fake.get("Lease", NS, LOCK_NAME)).toBeDefined();
    // The schedules stay paused on a half-restored database, and the comment says how to
    // resume them.
    expect(fake.suspensions).toEqual([
      "pgbackrest-full-backup=true",
      "pgbackrest-diff-backup=true",
      "pgbackrest-restore-validation=true",
    ]);
    expect(body).toContain(
      `kubectl -n ai-governance patch cronjob pgbackrest-full-backup -p '{"spec":{"suspend":false}}'`,
    );
  });

  it("refuses a restore that replayed past the target, and keeps the applications stopped", async () => {
    const id = await planned();
    replayed = () => new Date(now - HOUR);
    try {
      await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    } finally {
      replayed = () => new Date(now - 2 * HOUR - 60_000);
    }
    const body = github.latest()[0] ?? "";
    expect(body).toMatch(
      /❌ Stopped at: starting and checking PostgreSQL \(recovery replayed a commit of .* UTC, after the target\)/,
    );
    expect(body).toContain("**PostgreSQL may be running but did not pass the checks**");
    expect(fake.scaled).toEqual(["StatefulSet/postgres=0", "StatefulSet/postgres=1"]);
  });

  it("refuses a confirmation while a scheduled backup runs, and frees the lock", async () => {
    const id = await planned();
    await fake.apply([
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: {
          name: "pgbackrest-diff-backup-29124",
          namespace: NS,
          labels: { app: "pgbackrest" },
        },
        status: { active: 1 },
      },
    ]);
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toContain("Job `pgbackrest-diff-backup-29124` is still running");
    expect(fake.createdJobs).toHaveLength(0);
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
    expect((await planRecord(id)).state).toBe("planned");
  });

  it("changes nothing when the safety backup fails", async () => {
    const id = await planned();
    fake.behaviour.job = () => ({
      outcome: "Failed",
      logs: "ERROR: [050]: unable to acquire lock",
    });
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest()[0]).toContain(
      "❌ Stopped before changing anything: the safety backup failed",
    );
    expect(fake.scaled).toEqual([]);
    expect(await fake.get("Lease", NS, LOCK_NAME)).toBeUndefined();
    // Production runs as before, and so do its schedules.
    expect(fake.suspensions.filter((s) => s.endsWith("=false"))).toHaveLength(3);
    const full = await fake.get("CronJob", NS, "pgbackrest-full-backup");
    expect((full?.spec as { suspend?: boolean } | undefined)?.suspend).toBe(false);
  });
});

describe("/restore clone, /restore drop and /restore table", () => {
  /** The clone restore Job's report, as scripts/restore-validation.sh --clone prints it. */
  const report = JSON.stringify(
    {
      schema: "mcpgov-backup/restore-validation/v1",
      status: "passed",
      reason: null,
      rtoSeconds: 4.2,
      backup: { label: "20261124-010000F", repo: 1 },
      recovery: { recoveredTo: "2026-11-24T12:59:59.000000Z", timeline: 2 },
      checks: [],
    },
    null,
    2,
  );

  async function setupClones() {
    await setup({ roles: { alice: "admin", bob: "write" } });
    await fake.apply([
      baseObject("StatefulSet", POSTGRES.statefulSet),
      baseObject("PersistentVolumeClaim", POSTGRES.claim),
    ]);
    const job = fake.behaviour.job;
    fake.behaviour.job = (j) =>
      j.metadata.name.startsWith("mcpgov-clone-")
        ? { outcome: "Complete", logs: `restore-validation: PASSED\n${report}\n` }
        : (job?.(j) ?? { outcome: "Complete", logs: "" });
  }

  const cloneObjectsNow = async () =>
    (
      await Promise.all(
        ["Job", "NetworkPolicy", "Service", "PersistentVolumeClaim"].map((kind) =>
          fake.list(kind, NS, { [COMPONENT_LABEL]: COMPONENT.clone }),
        ),
      )
    )
      .flat()
      .map((o) => `${o.kind}/${o.metadata.name}`);

  it("makes a clone of one database, says how to reach it and when it goes, and drops it", async () => {
    await setupClones();
    const time = new Date(now - 2 * HOUR).toISOString();
    const payload = commentPayload(`/restore clone ${time} db=mcpgov ttl=2h`);
    await deliver(probot, bot, payload);
    const id = operationId(payload.comment.id);
    const body = github.latest().at(-1) ?? "";
    expect(body).toContain(`🧪 Clone \`${id}\` holds production as at **`);
    expect(body).toContain("(database `mcpgov` only)");
    expect(body).toContain(
      `\`kubectl -n ${NS} port-forward svc/mcpgov-clone-${id} 5433:5432\`, then \`psql -h localhost -p 5433 -U postgres -d mcpgov\``,
    );
    expect(body).toMatch(/it goes at \*\*\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\*\*/);
    expect(await cloneObjectsNow()).toEqual([
      `Job/mcpgov-clone-${id}-restore`,
      `Job/mcpgov-clone-${id}`,
      `NetworkPolicy/mcpgov-clone-${id}`,
      `Service/mcpgov-clone-${id}`,
      `PersistentVolumeClaim/mcpgov-clone-${id}`,
    ]);
    type Args = { template: { spec: { containers: { args: string[] }[] } } };
    const restore = fake.createdJobs.find((j) => j.metadata.name === `mcpgov-clone-${id}-restore`);
    const args = (restore?.spec as Args | undefined)?.template.spec.containers[0]?.args ?? [];
    expect(args).toEqual(expect.arrayContaining(["--clone", "--db-include", "mcpgov"]));
    const server = (await fake.get("Job", NS, `mcpgov-clone-${id}`)) as KubeObject;
    // The server stops itself after its two hours, whoever is still there.
    const deadline = (server.spec as { activeDeadlineSeconds: number }).activeDeadlineSeconds;
    expect(deadline).toBeGreaterThan(7100);
    expect(deadline).toBeLessThanOrEqual(7200);
    // Production was not touched: nothing scaled, no restore Job for it.
    expect(fake.scaled).toEqual([]);

    await deliver(probot, bot, commentPayload(`/restore drop ${id}`));
    expect(github.latest().at(-1)).toContain(`🗑️ Clone \`${id}\` removed:`);
    expect(await cloneObjectsNow()).toEqual([]);
    await deliver(probot, bot, commentPayload(`/restore drop ${id}`));
    expect(github.latest().at(-1)).toContain(`There is no clone ${id}. There are no clones.`);
  });

  it("removes clones whose time is up, at start and after, and no other", async () => {
    await setupClones();
    const payload = commentPayload("/restore clone latest ttl=1h");
    await deliver(probot, bot, payload);
    const id = operationId(payload.comment.id);
    const said: string[] = [];
    await bot.reapClones((line) => said.push(line));
    expect(said).toEqual([]);
    expect(await cloneObjectsNow()).toHaveLength(5);
    // An hour later (a new bot process reads the expiry from the objects themselves).
    for (const object of fake.objects.values())
      if (object.metadata.labels?.[CLONE_LABEL] === id)
        object.metadata.annotations = {
          ...object.metadata.annotations,
          [EXPIRES_ANNOTATION]: new Date(Date.now() - 1000).toISOString(),
        };
    const restarted = createBot({ cluster: fake, settings: testSettings() });
    await restarted.reapClones((line) => said.push(line));
    expect(said).toEqual([`removed clone ${id}: its time was up`]);
    expect(await cloneObjectsNow()).toEqual([]);
    expect(await fake.get("StatefulSet", NS, POSTGRES.statefulSet)).toBeDefined();
  });

  it("refuses clone options and ids that are not ones, before anything runs", async () => {
    await setupClones();
    for (const [body, refusal] of [
      ["/restore clone latest db=Bad;name", '"Bad;name" is not a database name'],
      ["/restore clone latest ttl=3d", '"3d" is not a time to live'],
      ["/restore drop ../etc", "`/restore drop` needs the id of a clone"],
      ["/restore clone", "`/restore clone` needs the point to copy"],
      ["/restore table public.x;drop latest", '"public.x;drop" is not a table'],
      ["/restore table public.policies", "`/restore table` needs the table and the point"],
    ]) {
      await deliver(probot, bot, commentPayload(body ?? ""));
      expect([body, github.latest().at(-1)]).toEqual([
        body,
        expect.stringContaining(refusal ?? ""),
      ]);
    }
    expect(fake.createdJobs).toEqual([]);
  });

  it("plans a table back, and on confirmation copies it beside production with its counts", async () => {
    await setupClones();
    const exec = fake.behaviour.exec;
    fake.behaviour.exec = (pod, command) => {
      const out = (stdout: string) => ({ code: 0, stdout, stderr: "" });
      const last = command.at(-1) ?? "";
      if (command[0] === "sh" && command[2]?.startsWith("printf")) return out("mcpgov");
      if (command[3] === "in-clone")
        return out(last.includes("to_regclass") ? "t" : last.includes("count") ? "12\n" : "");
      if (command[3] === "restore-table") return out("");
      if (last.includes("to_regclass('public.governance_policies_restored_")) return out("f");
      if (last.includes("to_regclass('public.governance_policies')")) return out("f");
      if (last.includes("select count(*) from public.governance_policies_restored_"))
        return out("12");
      return exec?.(pod, command) ?? out("");
    };
    const time = new Date(now - 2 * HOUR).toISOString();
    const payload = commentPayload(`/restore table public.governance_policies ${time}`);
    await deliver(probot, bot, payload);
    const plan = github.latest().at(-1) ?? "";
    expect(plan).toContain(
      "**Plan — nothing has changed yet.** Copy table `public.governance_policies`",
    );
    expect(plan).toContain("production is **not stopped and not rewound**");
    expect(fake.createdJobs).toEqual([]);

    const id = operationId(payload.comment.id);
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    const done = github.latest().at(-1) ?? "";
    expect(done).toMatch(
      /✅ `mcpgov\.public\.governance_policies_restored_\d{8}t\d{6}` holds \*\*12 rows\*\*, exactly the 12 that `public\.governance_policies` had at /,
    );
    expect(done).toMatch(
      /put it in the table's place: `alter table public\.governance_policies_restored_\d{8}t\d{6} rename to governance_policies;`/,
    );
    // Copied in production's pod, from the clone, names as arguments, not in the script.
    const copy = fake.execs.find((e) => e.command[3] === "restore-table");
    expect(copy?.pod).toBe(POSTGRES.pod);
    expect(copy?.command.slice(4)).toEqual([
      `mcpgov-clone-${id}`,
      "mcpgov",
      "public.governance_policies",
      expect.stringMatching(/^public\.governance_policies_restored_\d{8}t\d{6}$/),
    ]);
    expect(fake.scaled).toEqual([]);
    expect(await cloneObjectsNow()).toEqual([]);
    expect(await fake.get("Lease", NS, LOCK_NAME)).toBeUndefined();
  });
});
