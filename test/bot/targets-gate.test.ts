// One bot, two databases: each repository acts on its own targets only, by GitHub's id of
// it. A command that names another target is refused from the settings alone, with no call
// to the cluster; a repository of several targets names one, but for /backup status, which
// shows every window; a rename keeps a repository's targets, a re-creation gets nothing.
import { describe, expect, it } from "vitest";
import { createBot } from "../../src/bot/app.ts";
import { operationId } from "../../src/bot/records.ts";
import {
  BOT_NS,
  commentPayload,
  deliver,
  REPO_ID,
  testProbot,
  testSettings,
} from "../../src/fakes/github.ts";
import {
  addDatabase,
  bot,
  fake,
  github,
  HOUR,
  NS,
  now,
  operation,
  probot,
  RECORDS,
  setup,
  workJobs,
} from "./harness.ts";

const LEDGER = "ledger-db";
const LEDGER_ID = 515151;
const PLATFORM_ID = 626262;

/** payments (the base's database) for acme/ops, ledger for acme/ledger-ops; acme/platform on both. */
const TWO_TARGETS = `targets:
  - name: payments
    namespace: ${NS}
    stanza: mcpgov
    repositories: [{id: ${REPO_ID}, name: acme/ops}, {id: ${PLATFORM_ID}, name: acme/platform}]
  - name: ledger
    namespace: ${LEDGER}
    stanza: mcpgov
    repositories: [{id: ${LEDGER_ID}, name: acme/ledger-ops}, {id: ${PLATFORM_ID}, name: acme/platform}]
    floor: {second_approver: true}
`;

const PLATFORM = { repository: "acme/platform", repositoryId: PLATFORM_ID };

/** The databases' namespaces the bot's calls named ("get CronJob/NS/NAME", "exec NS/POD", …). */
function namespacesCalled(): string[] {
  const named = fake.calls.flatMap((call) =>
    [NS, LEDGER].filter((ns) => call.split(/[ /=]/).includes(ns)),
  );
  // Every call names a namespace: a database's, or the bot's own for its records.
  expect(
    fake.calls.filter((call) => !call.split(/[ /=]/).some((w) => [NS, LEDGER, BOT_NS].includes(w))),
  ).toEqual([]);
  return [...new Set(named)];
}

describe("one bot for two teams' databases", () => {
  it("runs a repository's command on its one target without a target=, and nowhere else", async () => {
    await setup({}, {}, TWO_TARGETS);
    await addDatabase(LEDGER);
    await deliver(probot, bot, commentPayload("/backup full", { commentId: 9001 }));
    expect(workJobs().map((job) => job.metadata.namespace)).toEqual([NS]);
    expect(namespacesCalled()).toEqual([NS]);
    expect((await operation(9001)).targets).toEqual(["payments"]);
  });

  it("refuses another team's target, naming its own, with no call to the cluster", async () => {
    await setup({}, {}, TWO_TARGETS);
    await addDatabase(LEDGER);
    const point = new Date(now - 2 * HOUR).toISOString();
    await deliver(probot, bot, commentPayload(`/restore pitr ${point} target=ledger`));
    expect(github.latest()).toEqual([
      "@alice: this repository may not act on target `ledger`; it may act on `payments`. Nothing was run.",
    ]);
    expect(fake.calls).toEqual([]);
  });

  it("asks a repository of several targets which one, but shows every window on /backup status", async () => {
    await setup(PLATFORM, {}, TWO_TARGETS);
    await addDatabase(LEDGER);
    await deliver(probot, bot, commentPayload("/backup full", PLATFORM));
    expect(github.latest()).toEqual([
      "@alice: this repository may act on `payments`, `ledger`: name one with `target=NAME`, e.g. `/backup full target=payments`. Nothing was run.",
    ]);
    expect(fake.calls).toEqual([]);

    await deliver(probot, bot, commentPayload("/backup status", PLATFORM));
    const status = github.latest().at(-1) ?? "";
    expect(status).toContain("### Target `payments` (namespace `ai-governance`, stanza `mcpgov`)");
    expect(status).toContain("### Target `ledger` (namespace `ledger-db`, stanza `mcpgov`)");
    expect(status.match(/\*\*Recovery window:\*\*/g)).toHaveLength(2);
    // Each step's line names its target.
    expect(status).toMatch(/\| ✅ \| payments: read the repository \(pgbackrest info\) \|/);
    expect(status).toMatch(/\| ✅ \| ledger: read the repository \(pgbackrest info\) \|/);
    expect(namespacesCalled()).toEqual([NS, LEDGER]);
  });

  it("runs a named target's command there only, under that target's lock and floor", async () => {
    await setup(PLATFORM, {}, TWO_TARGETS);
    await addDatabase(LEDGER);
    await deliver(probot, bot, commentPayload("/backup full target=ledger", PLATFORM));
    expect(workJobs().map((job) => job.metadata.namespace)).toEqual([LEDGER]);
    expect(fake.calls).toContain(`create Lease/${LEDGER}/mcpgov-backup-lock`);
    expect(namespacesCalled()).toEqual([LEDGER]);

    // ledger's floor asks for a second person; payments' does not.
    const point = new Date(now - 2 * HOUR).toISOString();
    await deliver(
      probot,
      bot,
      commentPayload(`/restore pitr ${point} target=ledger`, { ...PLATFORM, commentId: 9101 }),
    );
    await deliver(
      probot,
      bot,
      commentPayload(`/restore confirm ${(9101).toString(36)} target=ledger`, PLATFORM),
    );
    expect(github.latest().at(-1)).toContain("someone other than @alice must confirm restore");
  });

  it("does not confirm one target's plan under another's name", async () => {
    await setup(PLATFORM, {}, TWO_TARGETS);
    await addDatabase(LEDGER);
    const point = new Date(now - 2 * HOUR).toISOString();
    await deliver(
      probot,
      bot,
      commentPayload(`/restore pitr ${point} target=payments`, { ...PLATFORM, commentId: 9201 }),
    );
    const id = (9201).toString(36);
    await deliver(probot, bot, commentPayload(`/restore confirm ${id} target=ledger`, PLATFORM));
    expect(github.latest().at(-1)).toContain(`There is no planned restore ${id} here`);
    expect(workJobs()).toEqual([]);
  });

  it("keeps a renamed repository's targets: GitHub's id decides, not the name", async () => {
    const renamed = { repository: "acme/payments-runbooks", repositoryId: REPO_ID };
    await setup(renamed, {}, TWO_TARGETS);
    await addDatabase(LEDGER);
    await deliver(probot, bot, commentPayload("/backup full", renamed));
    expect(workJobs().map((job) => job.metadata.namespace)).toEqual([NS]);
  });

  it("refuses the commands of a target whose namespace gives it no Role, and says what to apply", async () => {
    await setup(PLATFORM, {}, TWO_TARGETS);
    await addDatabase(LEDGER);
    // The cluster as a bot with no Role in ledger-db sees it: every call there refused.
    const forbidden = new Proxy(fake, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) =>
          args.includes(LEDGER)
            ? Promise.reject(Object.assign(new Error("forbidden (HTTP 403)"), { code: 403 }))
            : value.apply(target, args);
      },
    });
    const said: string[] = [];
    const withoutRole = createBot({ cluster: forbidden, settings: testSettings({}, TWO_TARGETS) });
    await withoutRole.checkTargets((line) => said.push(line));
    expect(said.at(-1)).toBe(
      "target ledger: the bot has no Role in its namespace; its commands are refused",
    );
    const other = testProbot();
    await other.load(withoutRole.app);
    const calls = fake.calls.length;
    await deliver(other, withoutRole, commentPayload("/backup full target=ledger", PLATFORM));
    expect(github.latest().at(-1)).toBe(
      '@alice: the bot has no Role in namespace `ledger-db` (target `ledger`): list manifests/bot-target in its overlay and apply it (docs/bot.md, "Targets"). Nothing was run.',
    );
    expect(fake.calls.slice(calls)).toEqual([]);
    // Its other target is served.
    await deliver(other, withoutRole, commentPayload("/backup full target=payments", PLATFORM));
    expect(workJobs().map((job) => job.metadata.namespace)).toEqual([NS]);
  });

  it("asks for the Role at each command: one applied after the start serves, one deleted refuses, no restart", async () => {
    await setup(PLATFORM, {}, TWO_TARGETS);
    await addDatabase(LEDGER);
    let ledgerRole = false;
    const cluster = new Proxy(fake, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) =>
          args.includes(LEDGER) && !ledgerRole
            ? Promise.reject(Object.assign(new Error("forbidden (HTTP 403)"), { code: 403 }))
            : value.apply(target, args);
      },
    });
    const started = createBot({ cluster, settings: testSettings({}, TWO_TARGETS) });
    await started.checkTargets(() => undefined);
    const other = testProbot();
    await other.load(started.app);
    // Applied after the start: the next command is served.
    ledgerRole = true;
    await deliver(other, started, commentPayload("/backup full target=ledger", PLATFORM));
    expect(workJobs().map((job) => job.metadata.namespace)).toEqual([LEDGER]);
    // Deleted again: refused before anything is recorded or run.
    ledgerRole = false;
    const payload = commentPayload("/backup diff target=ledger", PLATFORM);
    await deliver(other, started, payload);
    expect(github.latest().at(-1)).toContain("the bot has no Role in namespace `ledger-db`");
    expect(workJobs()).toHaveLength(1);
    expect(
      await fake.get("ConfigMap", RECORDS, `mcpgov-bot-op-${operationId(payload.comment.id)}`),
    ).toBeUndefined();
  });

  it("gives a repository re-created under a listed name (a new id) nothing at all", async () => {
    const recreated = { repository: "acme/ops", repositoryId: 999_999 };
    await setup({}, {}, TWO_TARGETS);
    await deliver(probot, bot, commentPayload("/backup full target=payments", recreated));
    expect(github.latest()).toEqual([]);
    expect(github.reactions).toEqual([]);
    expect(fake.calls).toEqual([]);
  });
});
