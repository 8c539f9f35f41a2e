// The bot under test, shared by the bot's unit test files: a Probot with the bot loaded,
// GitHub as nock (no network, cleaned after each test), and a fake cluster whose
// repository holds a full backup 3 h old and a diff 1 h old and whose PostgreSQL answers
// the bot's queries. setup() makes all of it afresh; the bindings below are then live.
import nock from "nock";
import type { Probot } from "probot";
import { onTestFinished } from "vitest";
import { type Bot, createBot } from "../../src/bot/app.ts";
import { type Operation, operationId } from "../../src/bot/records.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { planRecordName } from "../../src/core/names/objects.ts";
import type { PlanRecord } from "../../src/core/plans/record.ts";
import { FakeCluster, type JobEnding } from "../../src/fakes/cluster.ts";
import {
  BOT_NS,
  FakeGitHub,
  type GitHubOptions,
  oneTarget,
  testProbot,
  testSettings,
} from "../../src/fakes/github.ts";
import { infoLog, sampleBackup, sampleInfo } from "../../src/fakes/pgbackrest-info.ts";
import { baseObject } from "../support/base.ts";

export const NS = "ai-governance";
/** Where the bot keeps its operation records: its own namespace, no database's. */
export const RECORDS = BOT_NS;
export const HOUR = 3_600_000;
export const now = Date.now();

/** A full backup 3 h ago and a diff 1 h ago, as `pgbackrest info --output=json` prints them. */
export function info(extra: object[] = []): string {
  return sampleInfo([
    sampleBackup("20261124-010000F", "full", now - 3 * HOUR - 60_000, now - 3 * HOUR),
    sampleBackup("20261124-010000F_20261124-030000D", "diff", now - HOUR - 10_000, now - HOUR),
    ...extra,
  ]);
}

/** When the last transaction recovery replayed committed; the plans target now - 2 h. */
export const recovery = { replayed: () => new Date(now - 2 * HOUR - 60_000) };

/**
 * How the next `pgbackrest info` Jobs end: the repository above, printed as JSON, unless a
 * test serves another answer (a log, or a failed Job) with serveInfo; a log is followed by
 * the retention of the configuration served (serveConf, the base's unless a test says).
 */
let infoEnding: () => JobEnding;
let conf: string;

export function serveInfo(ending: string | JobEnding): void {
  infoEnding = () =>
    typeof ending === "string" ? { outcome: "Complete", logs: infoLog(ending, conf) } : ending;
}

/** The Jobs that do the work end so from now on; those that read pgbackrest info as served. */
export function endWorkJobs(ending: JobEnding): void {
  fake.behaviour.job = (job) => (isInfoJob(job) ? infoEnding() : ending);
}

/** The pgbackrest.conf the next info Jobs print the retention of. */
export function serveConf(text: string): void {
  conf = text;
}

/** The base's pgbackrest.conf. */
export const baseConf = (): string =>
  (baseObject("ConfigMap", "pgbackrest-config").data as Record<string, string>)[
    "pgbackrest.conf"
  ] as string;

/** The info Jobs are named pgbackrest-info-<suffix> (core/repository.ts). */
export const isInfoJob = (job: KubeObject) => job.metadata.name.startsWith("pgbackrest-info-");

/** The marks the fake PostgreSQL holds (name|lsn|created), as mcpgov_backup.marks lists them. */
export let marks: string[] = [];

function cluster(): FakeCluster {
  let timeline = 1;
  marks = [];
  conf = baseConf();
  serveInfo(info());
  const fake = new FakeCluster({
    job: (job) => {
      if (isInfoJob(job)) return infoEnding();
      if (!job.metadata.name.endsWith("-restore")) return { outcome: "Complete", logs: "done" };
      timeline = 2;
      return { outcome: "Complete", logs: "restore done" };
    },
    exec: (pod, command) => {
      const out = (stdout: string) => ({ code: 0, stdout, stderr: "" });
      // The bot execs in PostgreSQL only: anything else is an error of the fake's.
      if (pod !== "postgres-0") return undefined;
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
      if (sql.includes("timeline_id")) return out(String(timeline));
      if (sql.includes("pg_is_in_recovery")) return out("f");
      if (sql.includes("pg_last_xact_replay_timestamp"))
        return out(recovery.replayed().toISOString().replace("T", " ").replace("Z", "000"));
      return out("1");
    },
  });
  void fake.apply(databaseObjects(NS));
  return fake;
}

/** What the bot reads of one database, as the base renders it, in `namespace`. */
function databaseObjects(namespace: string): KubeObject[] {
  const objects = [
    baseObject("CronJob", "pgbackrest-full-backup"),
    baseObject("CronJob", "pgbackrest-diff-backup"),
    baseObject("CronJob", "pgbackrest-restore-validation"),
    // The restore Jobs' templates, read at each restore, and pgbackrest info's, read at
    // each look at the repositories (manifests/restore/).
    baseObject("CronJob", "pgbackrest-restore"),
    baseObject("CronJob", "pgbackrest-info"),
    baseObject("CronJob", "pgbackrest-restore-pitr"),
    // A clone's server's template, read at each clone (manifests/clone/).
    baseObject("CronJob", "mcpgov-clone"),
  ];
  for (const object of objects) object.metadata.namespace = namespace;
  return objects;
}

/** A second database in `namespace`, as a second target of the bot's. */
export async function addDatabase(namespace: string): Promise<void> {
  await fake.apply(databaseObjects(namespace));
}

export let probot: Probot;
export let bot: Bot;
export let fake: FakeCluster;
export let github: FakeGitHub;

/**
 * A new bot, GitHub and cluster for the running test; `settingsEnv` is the bot's own
 * settings (its environment), as MCPGOV_* variables, and `targets` its targets file (the
 * base's database for the test repository). Nock lets nothing reach the network until the
 * test ends.
 */
export async function setup(
  options: GitHubOptions = {},
  settingsEnv: Record<string, string> = {},
  targets = oneTarget(),
) {
  nock.disableNetConnect();
  onTestFinished(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
  github = new FakeGitHub(options);
  fake = cluster();
  bot = createBot({ cluster: fake, settings: testSettings(settingsEnv, targets) });
  probot = testProbot();
  await probot.load(bot.app);
}

/** The bot's record of the operation a comment started. */
/** The plan a command made, as the core recorded it. */
export async function planRecord(id: string): Promise<PlanRecord> {
  const object = await fake.get("ConfigMap", RECORDS, planRecordName(id));
  const data = (object?.data ?? {}) as Record<string, string>;
  return JSON.parse(data["plan.json"] ?? "null");
}

/** Writes a changed plan record back, as someone editing the ConfigMap would. */
export async function rewritePlan(record: object): Promise<void> {
  const id = (record as PlanRecord).id;
  const object = (await fake.get("ConfigMap", RECORDS, planRecordName(id))) as KubeObject;
  await fake.apply([{ ...object, data: { "plan.json": JSON.stringify(record) } }]);
}

export async function operation(commentId: number): Promise<Operation> {
  const object = await fake.get("ConfigMap", RECORDS, `mcpgov-bot-op-${operationId(commentId)}`);
  const data = (object?.data ?? {}) as Record<string, string>;
  return JSON.parse(data["operation.json"] ?? "null");
}

/** The Jobs the bot made to do its work: every one but those that read pgbackrest info. */
export const workJobs = (): KubeObject[] => fake.createdJobs.filter((job) => !isInfoJob(job));

/** A Job of the product's that is still running, as a scheduled backup's is. */
export function runningJob(name: string): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: NS, labels: { app: "pgbackrest" } },
    status: { active: 1 },
  };
}
