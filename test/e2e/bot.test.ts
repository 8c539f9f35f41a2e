// The bot end to end: a real Probot server on loopback receives signed webhook requests and
// drives the local cluster runner, with real PostgreSQL and pgBackRest, through
// `/backup full`, ledger writes, `/restore pitr T` and `/restore confirm` (and `/restore
// latest`, from the overlay's restore templates in the cluster): the ledger is
// cut exactly at T and the comments say so. GitHub's API is nock (no network here).
import { createHmac } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Bot, createBot } from "../../src/bot/app.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { archiveNow, MCPGOV_DATABASE, psql, timeline } from "../../src/core/database.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { podSpecOf } from "../../src/core/manifests/pod.ts";
import { projectPath } from "../../src/core/paths.ts";
import { SCHEDULED_CRONJOBS } from "../../src/core/schedules.ts";
import { BOT_NS, commentPayload, FakeGitHub, testSettings } from "../../src/fakes/github.ts";
import { startWebhookServer, type WebhookServer } from "../../src/fakes/webhook-server.ts";
import type { LocalCluster } from "../../src/local/runner/local-cluster.ts";
import { localClusterForFile, nextSecond, TIMEOUT } from "../support/e2e-cluster.ts";
import {
  type NamespacedAccess,
  notAllowedBy,
  type PolicyRule,
  recordingCluster,
  unusedRights,
} from "../support/rbac.ts";

const NS = "ai-governance";
/** Where the bot keeps its records: its own namespace, where none of a database's configuration is. */
const RECORDS = BOT_NS;
const e2e = localClusterForFile({ deploy: true });
const { sql } = e2e;
let github: FakeGitHub;
let bot: Bot;
/** What the bot asked of the Kubernetes API, to hold it to its Roles (manifests/bot, manifests/bot-target). */
let accesses: NamespacedAccess[];
let server: WebhookServer | undefined;

/** An application that must stop during a restore: two replicas of a stand-in process. */
const governanceApi = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "governance-api", namespace: NS, labels: { app: "governance-api" } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "governance-api" } },
    template: {
      metadata: { labels: { app: "governance-api" } },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999 },
        containers: [
          {
            name: "api",
            image: "example/governance-api:1",
            command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"],
          },
        ],
      },
    },
  },
};

/** A record of an operation 40 days old: the bot removes it after its first command. */
const oldRecord = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name: "mcpgov-bot-op-old",
    namespace: RECORDS,
    labels: {
      "app.kubernetes.io/name": "mcpgov-backup-bot",
      "app.kubernetes.io/part-of": "mcpgov-backup",
      "app.kubernetes.io/component": "bot-operation",
    },
  },
  data: {
    "operation.json": JSON.stringify({
      id: "old",
      state: "succeeded",
      createdAt: new Date(Date.now() - 40 * 86_400_000).toISOString(),
    }),
  },
};

/** A CronJob's spec.suspend. */
async function suspended(on: LocalCluster, name: string): Promise<boolean | undefined> {
  const cronJob = await on.get("CronJob", NS, name);
  return (cronJob?.spec as { suspend?: boolean } | undefined)?.suspend;
}

/** Each scheduled CronJob's spec.suspend when the restore Job was created. */
const suspendedDuringRestore: Record<string, unknown> = {};

/** The cluster, noting the schedules' state at the moment the restore Job is created. */
function watchRestoreJob(inner: LocalCluster): LocalCluster {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== "create") return typeof value === "function" ? value.bind(target) : value;
      return async (object: KubeObject) => {
        if (object.kind === "Job" && object.metadata.name.endsWith("-restore"))
          for (const name of SCHEDULED_CRONJOBS)
            suspendedDuringRestore[name] = await suspended(target, name);
        return target.create(object);
      };
    },
  });
}

/**
 * Repository 2's CronJobs as the S3 component makes them (manifests/s3/schedules): the base's
 * specs under their own names. The runner fires no schedule, so only a restore's pause and
 * resume touch them here; the S3 repository itself is test/e2e/s3-cluster.test.ts's.
 */
async function s3CronJobs(): Promise<KubeObject[]> {
  const names = SCHEDULED_CRONJOBS.filter((name) => !name.endsWith("-s3"));
  const base = await Promise.all(names.map((name) => e2e.cluster.get("CronJob", NS, name)));
  return base.map((cronJob) => {
    const copy = structuredClone(cronJob as KubeObject);
    return { ...copy, metadata: { ...copy.metadata, name: `${copy.metadata.name}-s3` } };
  });
}

beforeAll(async () => {
  await e2e.cluster.apply([governanceApi, oldRecord, ...(await s3CronJobs())]);
  await e2e.cluster.waitForPodsReady(NS, { app: "governance-api" }, 60_000);
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  github = new FakeGitHub({ policy: "stop_workloads: [deployment/governance-api]\n" });
  const recorded = recordingCluster(watchRestoreJob(e2e.cluster));
  accesses = recorded.accesses;
  // The lock is renewed every second, so that this run's restore renews it too.
  bot = createBot({ cluster: recorded.cluster, settings: testSettings(), lockRenewMs: 1000 });
  server = await startWebhookServer(bot.app, "e2e");
}, TIMEOUT.setUp);

afterAll(() => {
  server?.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

/** Delivers a comment as GitHub does: JSON, signed with the webhook secret (or forged). */
async function send(
  comment: string | ReturnType<typeof commentPayload>,
  signature?: string,
): Promise<{ status: number; ms: number }> {
  const payload = typeof comment === "string" ? commentPayload(comment) : comment;
  const delivered = await (server as WebhookServer).deliver(payload, signature);
  return { status: delivered.status, ms: delivered.answered - delivered.sent };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function transcript(title: string): void {
  mkdirSync(projectPath("test-results"), { recursive: true });
  const text = github
    .latest()
    .map((body, i) => `### Comment ${i + 1}\n\n${body}`)
    .join("\n\n");
  writeFileSync(projectPath("test-results/bot-e2e-comments.md"), `# ${title}\n\n${text}\n`);
}

describe("the bot on the local cluster", () => {
  it("rejects a delivery with a forged signature, and does nothing", async () => {
    const forged = `sha256=${createHmac("sha256", "not-the-secret").update("{}").digest("hex")}`;
    const { status } = await send("/backup full", forged);
    expect(status).toBe(400);
    await bot.idle();
    expect(github.comments.size).toBe(0);
    expect(
      await e2e.cluster.list("Job", NS, { "app.kubernetes.io/component": "full-backup" }),
    ).toEqual([]);
  });

  let target = "";
  let before = 0;
  /** After rows 1011 to 1020 were written: a moment the restore to `target` leaves behind. */
  let leftBehind = "";
  /** The first full backup, the only one before T: the restores to T must start from it. */
  let firstFull = "";

  it("answers at once and takes a full backup on /backup full", async () => {
    await sql(
      "create table ledger (id bigint primary key, at timestamptz default clock_timestamp())",
    );
    await sql("insert into ledger (id) select generate_series(1, 1000)");
    const payload = commentPayload("/backup full");
    const { status, ms } = await send(payload);
    expect(status).toBe(200);
    expect(ms).toBeLessThan(2000);
    await bot.idle();
    // GitHub delivers the same comment again: nothing new happens.
    expect((await send(payload)).status).toBe(200);
    await bot.idle();
    expect(github.comments.size).toBe(1);
    const [comment] = github.latest();
    expect(comment).toMatch(/✅ full backup `\d{8}-\d{6}F`: \d+ s, database [\d.]+ MiB/);
    firstFull = /✅ full backup `(\d{8}-\d{6}F)`/.exec(comment ?? "")?.[1] ?? "";
    const [job] = await e2e.cluster.list("Job", NS, {
      "app.kubernetes.io/component": "full-backup",
    });
    expect(job?.metadata.annotations).toMatchObject({
      "mcpgov-backup/requested-by": "alice",
      "mcpgov-backup/delivery-id": "e2e-2",
    });
    expect(job?.metadata.annotations?.["mcpgov-backup/request-url"]).toMatch(
      /^https:\/\/github.com\/acme\/ops\/issues\/7#issuecomment-\d+$/,
    );
  }, 300_000);

  it("answers /backup status with the recovery window, the last backups and WAL archiving", async () => {
    // WAL written after the backup, archived a second after its end: a window to show
    // (right after the first backup there is none yet, test/bot/backup.test.ts).
    await nextSecond();
    await sql("select pg_logical_emit_message(false, 'mcpgov-backup', 'a window opens')");
    await archiveNow(e2e.cluster, 60_000, MCPGOV_DATABASE);
    await send("/backup status");
    await bot.idle();
    const status = github.latest().at(-1) ?? "";
    expect(status).toContain("**Stanza `mcpgov`:** ok (code 0)");
    const [, start = "", end = ""] =
      /\*\*Recovery window:\*\* (\S+Z) → (\S+Z) \(a point-in-time restore/.exec(status) ?? [];
    expect(Date.parse(end)).toBeGreaterThan(Date.parse(start));
    expect(status).toMatch(/\| full \| `\d{8}-\d{6}F` \|/);
    expect(status).toContain("| diff | none |");
    expect(status).toMatch(
      /\*\*Guaranteed window:\*\* repo1: the last 7 days \(repo1-retention-full-type=time\); the window above reaches back 0 days/,
    );
    expect(status).toMatch(
      /\*\*WAL archiving:\*\* ✅ working — last archived `0{7}1[0-9A-F]{16}[^`]*` at \S+Z; 0 failures/,
    );
  }, 120_000);

  it("runs /restore validate and posts the validation's checks", async () => {
    await send("/restore validate");
    await bot.idle();
    const validation = github.latest().at(-1) ?? "";
    expect(validation).toMatch(
      /✅ Validation passed: backup `\d{8}-\d{6}F` restored and checked, RTO [\d.]+ s/,
    );
    // The check's name is cluster text, escaped ("_" would start Markdown emphasis).
    expect(validation).toMatch(/\| ✅ \| pg\\_amcheck \|/);
    expect(validation).toContain("<details><summary>Validation report (JSON)</summary>");
  }, 300_000);

  it("plans /restore pitr T after more writes and five /backup full in a row, and changes nothing until it is confirmed", async () => {
    await sleep(1500); // a target must lie a whole second after the backup ended
    for (let id = 1001; id <= 1010; id++) await sql(`insert into ledger (id) values (${id})`);
    await sleep(150);
    target = await sql(
      `select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    );
    await sleep(150);
    for (let id = 1011; id <= 1020; id++) await sql(`insert into ledger (id) values (${id})`);
    await sleep(150);
    leftBehind = await sql(
      `select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    );
    // Five fulls in a row by a writer, as after damage by someone who may not restore: a
    // count of four fulls expired the full before T and its WAL; retention by time keeps
    // every point of the last 7 days, however many fulls are taken.
    for (let n = 1; n <= 5; n++) {
      await send("/backup full");
      await bot.idle();
      expect(github.latest().at(-1)).toMatch(/✅ full backup `\d{8}-\d{6}F`/);
    }
    before = await timeline(e2e.cluster, MCPGOV_DATABASE);

    await send(`/restore pitr ${target}`);
    await bot.idle();
    const plan = github.latest().at(-1) ?? "";
    expect(plan).toContain("**Plan — nothing has changed yet.**");
    expect(plan).toContain(
      `Restore production to **${target.replace("T", " ").replace("Z", "")} UTC**`,
    );
    expect(plan).toContain(
      "stops `deployment/governance-api` and then `statefulset/postgres` for the restore",
    );
    expect(await sql("select count(*) from ledger")).toBe("1020");
  }, 900_000);

  it("carries out the restore on /restore confirm: the ledger is cut exactly at T", async () => {
    const plan = github.latest().at(-1) ?? "";
    const id = /`\/restore confirm (\w+)`/.exec(plan)?.[1];
    expect(id).toBeTruthy();
    await send(`/restore confirm ${id}`);
    await bot.idle();
    const comment = github.latest().at(-1) ?? "";
    transcript("Comments the bot posted in test/e2e/bot.test.ts");
    expect(comment).toContain("**Confirmed** by @alice");
    expect(comment).toMatch(/✅ \| incr safety backup \(Job pgbackrest-bot-\w+-safety\)/);
    expect(comment).toContain("✅ | stop applications: deployment/governance-api");
    // From the full before T: the five fulls after it expired nothing.
    expect(comment).toMatch(
      new RegExp(`✅ Restored to \\*\\*.+ UTC\\*\\* from backup set \`${firstFull}\``),
    );
    expect(comment).toContain(`PostgreSQL is writable on timeline ${before + 1} (was ${before})`);
    // No scheduled backup or validation could start during the restore; all run again after.
    expect(suspendedDuringRestore).toEqual({
      "pgbackrest-full-backup": true,
      "pgbackrest-diff-backup": true,
      "pgbackrest-restore-validation": true,
      "pgbackrest-full-backup-s3": true,
      "pgbackrest-diff-backup-s3": true,
      "pgbackrest-restore-validation-s3": true,
    });
    for (const name of SCHEDULED_CRONJOBS) expect(await suspended(e2e.cluster, name)).toBe(false);

    expect(await sql("select count(*), max(id) from ledger")).toBe("1010|1010");
    const replayed = /the last transaction it replayed committed at ([\d-]+ [\d:.]+) UTC/.exec(
      comment,
    )?.[1];
    const lastKept = await sql(
      `select to_char(at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') from ledger where id = 1010`,
    );
    expect(replayed && replayed >= lastKept).toBe(true);
    expect(replayed && replayed < target.replace("T", " ").replace("Z", "")).toBe(true);
    expect(await timeline(e2e.cluster, MCPGOV_DATABASE)).toBe(before + 1);
    await sql("insert into ledger (id) values (5000)");
    await e2e.cluster.waitForPodsReady(NS, { app: "governance-api" }, 60_000);
    expect(await e2e.cluster.list("Pod", NS, { app: "governance-api" })).toHaveLength(2);
    expect(await e2e.cluster.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
  }, 600_000);

  it("restores to a moment that restore left behind, following the old timeline", async () => {
    // Rows 1011 to 1020 exist only on the old timeline now: following the newest timeline
    // (pgBackRest's default) would stop at the fork and report success without them.
    await send(`/restore pitr ${leftBehind}`);
    await bot.idle();
    const plan = github.latest().at(-1) ?? "";
    expect(plan).toContain(
      `- the target is on timeline ${before}, which an earlier restore left (production is on timeline ${before + 1}): recovery follows timeline ${before}`,
    );
    const id = /`\/restore confirm (\w+)`/.exec(plan)?.[1];
    await send(`/restore confirm ${id}`);
    await bot.idle();
    const comment = github.latest().at(-1) ?? "";
    expect(comment).toMatch(/✅ Restored to \*\*.+ UTC\*\*/);
    expect(await sql("select count(*), max(id) from ledger")).toBe("1020|1020");
    const job = await e2e.cluster.get("Job", NS, `pgbackrest-bot-${id}-restore`);
    const args = (
      job?.spec as { template: { spec: { containers: { args: string[] }[] } } } | undefined
    )?.template.spec.containers[0]?.args;
    expect(args).toContain(`--target-timeline=${before}`);
  }, 300_000);
  it("makes a clone at T on the timeline a restore left, says how to reach it, and drops it", async () => {
    await send(`/restore clone ${target} db=mcpgov ttl=1h`);
    await bot.idle();
    const comment = github.latest().at(-1) ?? "";
    const id = /🧪 Clone `(\w+)`/.exec(comment)?.[1] ?? "";
    expect(comment).toContain("(database `mcpgov` only)");
    expect(comment).toContain(`port-forward svc/mcpgov-clone-${id} 5433:5432`);
    const [pod] = await e2e.cluster.list("Pod", NS, {
      "mcpgov-backup/clone": id,
      "app.kubernetes.io/component": "clone",
    });
    const inClone = { namespace: NS, pod: pod?.metadata.name ?? "", container: "postgres" };
    // The ledger as it was at T, while production holds every row since.
    expect(
      await psql(e2e.cluster, "select count(*), max(id) from ledger", {
        ...inClone,
        database: "mcpgov",
      }),
    ).toBe("1010|1010");
    expect(await sql("select count(*) from ledger")).toBe("1020");

    await send("/backup status");
    await bot.idle();
    expect(github.latest().at(-1)).toMatch(
      new RegExp(`- \\*\\*Clones:\\*\\* \`${id}\` holds .+, until \\S+Z`),
    );

    await send(`/restore drop ${id}`);
    await bot.idle();
    expect(github.latest().at(-1)).toContain(`🗑️ Clone \`${id}\` removed:`);
    expect(
      await e2e.cluster.list("PersistentVolumeClaim", NS, { "mcpgov-backup/clone": id }),
    ).toEqual([]);
  }, 300_000);

  it("marks a moment, and after rows are lost brings the ledger back beside the live one, which keeps its later writes", async () => {
    await send("/backup mark before-cleanup");
    await bot.idle();
    expect(github.latest().at(-1)).toMatch(
      /🔖 restore point `before-cleanup` at `[0-9A-F]+\/[0-9A-F]+`/,
    );
    // The mistake: fifteen rows deleted; then a write that must survive the repair.
    await sql("delete from ledger where id > 1005");
    await sql("insert into ledger (id) values (6000)");

    await send("/restore table public.ledger mark:before-cleanup");
    await bot.idle();
    const plan = github.latest().at(-1) ?? "";
    expect(plan).toContain("Copy table `public.ledger` as it was at **mark before-cleanup, made ");
    const id = /`\/restore confirm (\w+)`/.exec(plan)?.[1];
    await send(`/restore confirm ${id}`);
    await bot.idle();
    const comment = github.latest().at(-1) ?? "";
    transcript("Comments the bot posted in test/e2e/bot.test.ts");
    const copy = /✅ `mcpgov\.(public\.ledger_restored_\d{8}t\d{6})` holds \*\*1020 rows\*\*/.exec(
      comment,
    )?.[1];
    expect(copy).toBeTruthy();
    expect(comment).toContain("the live `public.ledger` has 1006 rows and was not touched");
    expect(await sql(`select count(*), max(id) from ${copy}`)).toBe("1020|1020");
    // The merge the comment offers puts the lost rows back and keeps the later write.
    const merge =
      /add back its 15 rows missing from the live table, leaving every row there as it is: `([^`]+)`/.exec(
        comment,
      )?.[1] ?? "";
    expect(comment).toContain("no row the live table shares with the copy differs from the point");
    await sql(merge);
    expect(await sql("select count(*), max(id) from ledger")).toBe("1021|6000");
    expect(await e2e.cluster.list("Job", NS, { "app.kubernetes.io/component": "clone" })).toEqual(
      [],
    );
    expect(await e2e.cluster.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
  }, 300_000);

  it("restores the newest state on /restore latest, its Job made from the overlay's pgbackrest-restore", async () => {
    await sql("insert into ledger (id) values (7000)");
    await archiveNow(e2e.cluster, 60_000, MCPGOV_DATABASE);
    await send("/restore latest");
    await bot.idle();
    const id = /`\/restore confirm (\w+)`/.exec(github.latest().at(-1) ?? "")?.[1];
    await send(`/restore confirm ${id}`);
    await bot.idle();
    expect(github.latest().at(-1)).toMatch(/✅ Restored to \*\*the newest state\*\*/);
    expect(await sql("select count(*), max(id) from ledger")).toBe("1022|7000");
    const job = (await e2e.cluster.get("Job", NS, `pgbackrest-bot-${id}-restore`)) as KubeObject;
    const args = podSpecOf(job)?.containers[0]?.args ?? [];
    expect(args).toContain("--type=default");
    expect(args.filter((a) => a.startsWith("--target"))).toEqual([]);
    // The templates stay suspended: a restore pauses and resumes the schedules only.
    for (const name of ["pgbackrest-restore", "pgbackrest-restore-pitr"])
      expect(await suspended(e2e.cluster, name)).toBe(true);
  }, 300_000);

  it("never posted a password, key or passphrase from the cluster's Secrets", async () => {
    const posted = github.everything();
    const secrets = (await e2e.cluster.list("Secret", NS)).flatMap((s) => [
      ...Object.values((s.stringData as Record<string, string>) ?? {}),
      ...Object.values((s.data as Record<string, string>) ?? {}).map((v) =>
        Buffer.from(v, "base64").toString(),
      ),
    ]);
    expect(secrets.length).toBeGreaterThan(3);
    for (const value of secrets.filter((v) => v.length >= 8)) {
      for (const line of value.split("\n").filter((l) => l.length >= 16))
        expect(posted).not.toContain(line);
    }
  });

  it("removed the operation record older than the settings keep", async () => {
    expect(await e2e.cluster.get("ConfigMap", RECORDS, "mcpgov-bot-op-old")).toBeUndefined();
  });

  it("asked the Kubernetes API for nothing its Roles do not grant, and they grant nothing more", () => {
    // As installed (examples/production): the files name no namespace.
    // Its Role on the database (manifests/bot-target in the overlay) and its records' in its
    // own namespace (manifests/bot): nothing else.
    const roles = [
      ...renderKustomization(projectPath("examples", "production")),
      ...renderKustomization(projectPath("manifests", "bot")),
    ].filter((o) => o.kind === "Role" && o.metadata.name.startsWith("mcpgov-backup-bot"));
    expect(roles.map((r) => r.metadata.namespace)).toEqual([NS, BOT_NS]);
    const rulesIn = (namespace: string) =>
      roles
        .filter((r) => r.metadata.namespace === namespace)
        .flatMap((r) => (r.rules ?? []) as PolicyRule[]);
    const namespaces = [...new Set([NS, ...accesses.map((a) => a.namespace)])];
    const inNamespace = (namespace: string) => accesses.filter((a) => a.namespace === namespace);
    const denied = namespaces.flatMap((namespace) =>
      notAllowedBy(rulesIn(namespace), inNamespace(namespace)).map((a) => `${a} in ${namespace}`),
    );
    expect(denied).toEqual([]);
    // Every right was used here (reading events too: every wait may read a stuck pod's).
    const unused = [NS, BOT_NS].flatMap((namespace) =>
      unusedRights(rulesIn(namespace), inNamespace(namespace)).map((r) => `${r} in ${namespace}`),
    );
    expect(unused).toEqual([]);
  });
});
