// One bot for two teams' databases, end to end: the shipped examples/two-teams overlays
// (target payments: namespace payments-db, stanza payments; target ledger: ledger-db,
// stanza ledger, each with manifests/bot-target), deployed side by side on the local
// cluster runner with real PostgreSQL and pgBackRest, and one bot process behind a real
// Probot server receiving signed webhooks. acme/ops may act on payments only,
// acme/ledger-ops on ledger only, the platform team's acme/platform on both. Every
// Kubernetes call the bot makes is recorded with its namespace: what one target's commands
// do must name no other's.
import { mkdirSync, writeFileSync } from "node:fs";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Bot, createBot } from "../../src/bot/app.ts";
import { archiveNow, type DatabaseTarget, psql } from "../../src/core/database.ts";
import { projectPath } from "../../src/core/paths.ts";
import { validBackups } from "../../src/core/pgbackrest/info.ts";
import { stanzaInfo } from "../../src/core/repository.ts";
import { SCHEDULED_CRONJOBS } from "../../src/core/schedules.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import {
  BOT_NS,
  commentPayload,
  FakeGitHub,
  REPO_ID,
  testSettings,
} from "../../src/fakes/github.ts";
import { startWebhookServer, type WebhookServer } from "../../src/fakes/webhook-server.ts";
import { runOnOverlay } from "../support/action-run.ts";
import { localClusterForFile, nextSecond, TIMEOUT } from "../support/e2e-cluster.ts";
import { type NamespacedAccess, recordingCluster } from "../support/rbac.ts";

const PAYMENTS = {
  ...DEFAULT_SETTINGS,
  namespace: "payments-db",
  stanza: "payments",
  manifests: projectPath("examples", "two-teams", "payments"),
};
const LEDGER = {
  ...DEFAULT_SETTINGS,
  namespace: "ledger-db",
  stanza: "ledger",
  manifests: projectPath("examples", "two-teams", "ledger"),
};
const LEDGER_OPS = { repository: "acme/ledger-ops", repositoryId: 515151 };
const PLATFORM = { repository: "acme/platform", repositoryId: 626262 };

const TARGETS = `targets:
  - name: payments
    namespace: ${PAYMENTS.namespace}
    stanza: ${PAYMENTS.stanza}
    repositories: [{id: ${REPO_ID}, name: acme/ops}, {id: ${PLATFORM.repositoryId}, name: acme/platform}]
  - name: ledger
    namespace: ${LEDGER.namespace}
    stanza: ${LEDGER.stanza}
    repositories:
      - {id: ${LEDGER_OPS.repositoryId}, name: acme/ledger-ops}
      - {id: ${PLATFORM.repositoryId}, name: acme/platform}
`;

const e2e = localClusterForFile();
const db = (namespace: string): DatabaseTarget => ({
  namespace,
  pod: "postgres-0",
  container: "postgres",
  database: "mcpgov",
});
const sql = (namespace: string, query: string) => psql(e2e.cluster, query, db(namespace));

let github: FakeGitHub;
let bot: Bot;
let accesses: NamespacedAccess[];
let server: WebhookServer | undefined;

beforeAll(async () => {
  for (const database of [PAYMENTS, LEDGER]) {
    await runOnOverlay(e2e.cluster, database, "deploy");
    await sql(
      database.namespace,
      "create table ledger (id bigint primary key, at timestamptz default clock_timestamp())",
    );
    await sql(database.namespace, "insert into ledger (id) select generate_series(1, 100)");
  }
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  github = new FakeGitHub({ others: [LEDGER_OPS.repository, PLATFORM.repository] });
  const recorded = recordingCluster(e2e.cluster);
  accesses = recorded.accesses;
  bot = createBot({ cluster: recorded.cluster, settings: testSettings({}, TARGETS) });
  server = await startWebhookServer(bot.app, "targets");
}, TIMEOUT.setUp);

afterAll(() => {
  server?.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

/** A comment delivered as GitHub does (signed JSON), in `where`'s repository; waits for the work. */
async function say(body: string, where: { repository?: string; repositoryId?: number } = {}) {
  const { status } = await (server as WebhookServer).deliver(commentPayload(body, where));
  expect(status).toBe(200);
  await bot.idle();
  return github.latestIn(where.repository ?? "acme/ops").at(-1) ?? "";
}

/** The namespaces the bot's calls since `from` named, its own (records) apart. */
const touched = (from: number) =>
  [...new Set(accesses.slice(from).map((a) => a.namespace))].filter((ns) => ns !== BOT_NS);

/** What a restore of the other target must leave as it is. */
async function standing(database: typeof LEDGER) {
  const { namespace, stanza } = database;
  const cronJobs = await Promise.all(
    SCHEDULED_CRONJOBS.map((name) => e2e.cluster.get("CronJob", namespace, name)),
  );
  return {
    ledger: await sql(namespace, "select count(*), max(id) from ledger"),
    backups: validBackups(await stanzaInfo(e2e.cluster, namespace, stanza)).map((b) => b.label),
    timeline: await sql(namespace, "select timeline_id from pg_control_checkpoint()"),
    cronJobs: cronJobs
      .filter((c) => c !== undefined)
      .map(
        (c) =>
          `${c?.metadata.name} ${c?.metadata.resourceVersion} ${(c?.spec as { suspend?: boolean } | undefined)?.suspend}`,
      ),
  };
}

describe("one bot, two targets on the local cluster", { timeout: TIMEOUT.test }, () => {
  it("backs up only the repository's own target on /backup full", async () => {
    const from = accesses.length;
    expect(await say("/backup full")).toMatch(/✅ full backup `\d{8}-\d{6}F`/);
    expect(touched(from)).toEqual([PAYMENTS.namespace]);
    expect(
      validBackups(await stanzaInfo(e2e.cluster, PAYMENTS.namespace, "payments")),
    ).toHaveLength(1);
    expect(validBackups(await stanzaInfo(e2e.cluster, LEDGER.namespace, "ledger"))).toHaveLength(0);
    // The ledger team backs up its own.
    expect(await say("/backup full", LEDGER_OPS)).toMatch(/✅ full backup `\d{8}-\d{6}F`/);
    expect(validBackups(await stanzaInfo(e2e.cluster, LEDGER.namespace, "ledger"))).toHaveLength(1);
  });

  it("refuses another team's target, naming its own, and asks the cluster nothing", async () => {
    const from = accesses.length;
    const said = await say("/restore pitr 2026-11-24 14:30:00+00 target=ledger");
    expect(said).toBe(
      "@alice: this repository may not act on target `ledger`; it may act on `payments`. Nothing was run.",
    );
    expect(accesses.slice(from)).toEqual([]);
  });

  it("restores its own target to a point in time, confirmed, and leaves the other's data, backups, timeline and CronJobs untouched", async () => {
    await nextSecond(); // past the backup's stop second
    await sql(PAYMENTS.namespace, "insert into ledger (id) select generate_series(101, 110)");
    await sql(LEDGER.namespace, "insert into ledger (id) select generate_series(101, 150)");
    const target = await sql(
      PAYMENTS.namespace,
      `select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    await sql(PAYMENTS.namespace, "insert into ledger (id) select generate_series(111, 120)");
    await archiveNow(e2e.cluster, 60_000, db(PAYMENTS.namespace));
    const ledgerBefore = await standing(LEDGER);
    const from = accesses.length;

    const plan = await say(`/restore pitr ${target}`);
    expect(plan).toContain("**Plan — nothing has changed yet.**");
    const id = /`\/restore confirm (\w+)`/.exec(plan)?.[1];
    expect(id).toBeTruthy();
    const result = await say(`/restore confirm ${id}`);
    expect(result).toContain("✅ Restored to");
    expect(await sql(PAYMENTS.namespace, "select count(*), max(id) from ledger")).toBe("110|110");

    // Nothing of the ledger team's was stopped, suspended, locked or even listed.
    expect(touched(from)).toEqual([PAYMENTS.namespace]);
    expect(await standing(LEDGER)).toEqual(ledgerBefore);
    expect(ledgerBefore.ledger).toBe("150|150");
    expect(ledgerBefore.timeline).toBe("1");
  });

  it("lists both targets' windows on /backup status in the platform team's repository", async () => {
    expect(await say("/backup full", PLATFORM)).toContain(
      "this repository may act on `payments`, `ledger`: name one with `target=NAME`",
    );
    // The ledger has archived no WAL since its only backup: some, a second after it, so
    // that its window opens (until then there is none yet, test/bot/backup.test.ts).
    await nextSecond();
    await sql(LEDGER.namespace, "select pg_logical_emit_message(false, 'mcpgov-backup', 'open')");
    await archiveNow(e2e.cluster, 60_000, db(LEDGER.namespace));
    const status = await say("/backup status", PLATFORM);
    expect(status).toContain("### Target `payments` (namespace `payments-db`, stanza `payments`)");
    expect(status).toContain("### Target `ledger` (namespace `ledger-db`, stanza `ledger`)");
    expect(status).toContain("| ✅ | ledger: read the repository (pgbackrest info) |");
    expect(status).toContain("**Stanza `payments`:** ok (code 0)");
    expect(status).toContain("**Stanza `ledger`:** ok (code 0)");
    const windows = [...status.matchAll(/\*\*Recovery window:\*\* (\S+Z) → (\S+Z)/g)];
    expect(windows).toHaveLength(2);
    for (const [, start = "", end = ""] of windows)
      expect(Date.parse(end)).toBeGreaterThan(Date.parse(start));
    mkdirSync(projectPath("test-results"), { recursive: true });
    writeFileSync(
      projectPath("test-results/bot-targets-e2e-comments.md"),
      `# One bot, two targets\n\n${[...github.comments.entries()]
        .map(
          ([commentId, bodies]) => `### ${github.repositoryOf.get(commentId)}\n\n${bodies.at(-1)}`,
        )
        .join("\n\n")}\n`,
    );
  });
});
