// One operation at a time, each recorded once: a comment GitHub delivers twice runs once;
// a command is refused while another holds the lock, and a lock whose holder is gone is
// released at start (an interrupted restore's is kept); old records go while a waiting
// plan's and a running restore's stay; nothing runs that the cluster could not record.
import { describe, expect, it } from "vitest";
import { lockLease } from "../../src/core/lock.ts";
import { LOCK_NAME, planRecordName, recordName } from "../../src/core/names/objects.ts";
import { commentPayload, deliver } from "../../src/fakes/github.ts";
import { bot, fake, github, HOUR, NS, now, probot, RECORDS, setup, workJobs } from "./harness.ts";

describe("one operation at a time, recorded once", () => {
  it("does nothing a second time when GitHub delivers the same comment again", async () => {
    await setup();
    const payload = commentPayload("/backup full");
    await deliver(probot, bot, payload, "delivery-a");
    await deliver(probot, bot, payload, "delivery-b");
    expect(workJobs()).toHaveLength(1);
    expect(github.comments.size).toBe(1);
    expect(github.reactions).toHaveLength(1);
  });

  it("ignores a replayed delivery of a comment older than the settings allow, once its record is gone", async () => {
    // The record that deduplicates is pruned after MCPGOV_KEEP_RECORDS_DAYS; a delivery
    // replayed after that (or captured and sent again) must still run nothing.
    await setup({}, { MCPGOV_COMMENT_MAX_AGE_MINUTES: "10" });
    const old = new Date(Date.now() - 11 * 60_000).toISOString();
    await deliver(probot, bot, commentPayload("/backup full", { createdAt: old }));
    await deliver(
      probot,
      bot,
      commentPayload("/restore pitr 2026-11-24 14:30:00+00", { createdAt: old }),
    );
    expect(workJobs()).toEqual([]);
    expect(github.comments.size).toBe(0);
    expect(github.reactions).toEqual([]);
    expect(
      [...fake.objects.values()].filter((o) => o.metadata.name.startsWith("mcpgov-bot-op-")),
    ).toEqual([]);
    // A comment within the age runs as usual.
    const recent = new Date(Date.now() - 9 * 60_000).toISOString();
    await deliver(probot, bot, commentPayload("/backup full", { createdAt: recent }));
    expect(workJobs()).toHaveLength(1);
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
    expect(workJobs()).toHaveLength(0);
    expect(github.latest()[0]).toContain(
      "❌ Not now: another operation holds the lock: \\`/restore validate\\` (op abc123) by @\u200dcarol since 2026-11-24T10:00:00.000Z, renewed at",
    );
    // The holder, read from the Lease, is named, not pinged each time someone is refused.
    expect(github.latest()[0]).not.toContain("@carol");
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
    expect(said[0]).toMatch(
      /^target governance: kept the lock of an interrupted restore: `\/restore pitr/,
    );
    await fake.delete("Lease", NS, LOCK_NAME);
    await fake.create(staleLease("backup1", "/backup full", "release"));
    await bot.reconcile((line) => said.push(line));
    expect(await fake.get("Lease", NS, LOCK_NAME)).toBeUndefined();
    expect(said[1]).toBe(
      "target governance: released the lock of `/backup full` (op backup1): its holder stopped renewing it at 2026-11-24T10:01:00.000Z",
    );
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
      .filter((o) => o.metadata.namespace === RECORDS && o.kind === "ConfigMap")
      .filter((o) => /^mcpgov-(bot-op|backup-plan)-/.test(o.metadata.name))
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

  it("runs nothing when the cluster cannot record the command, and says so", async () => {
    await setup();
    fake.create = async () => {
      throw new Error("connect ECONNREFUSED 10.96.0.1:443");
    };
    await deliver(probot, bot, commentPayload("/backup full"));
    expect(github.latest()).toEqual([
      "@alice: nothing was run: the cluster did not take the command's record (connect ECONNREFUSED 10.96.0.1:443). Try again.",
    ]);
    expect(workJobs()).toHaveLength(0);
  });
});
