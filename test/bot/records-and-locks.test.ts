// One operation at a time, each recorded once: a comment GitHub delivers twice runs once;
// a command is refused while another holds the lock, and a lock whose holder is gone is
// released at start (an interrupted restore's is kept); old records go while a waiting
// plan's and a running restore's stay; nothing runs that the cluster could not record.
import { describe, expect, it } from "vitest";
import { lockLease } from "../../src/core/lock.ts";
import { commentPayload, deliver } from "./github.ts";
import { bot, fake, github, HOUR, NS, now, probot, RECORDS, setup } from "./harness.ts";

describe("one operation at a time, recorded once", () => {
  /** The bot's records in the cluster: one ConfigMap per operation it accepted. */
  const records = () =>
    [...fake.objects.values()].filter((o) => o.metadata.name.startsWith("mcpgov-bot-op-"));

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
        since: "2026-11-24T10:00:00.000Z",
        renewed: new Date(Date.now() - 30_000).toISOString(),
      }),
    );
    await deliver(probot, bot, commentPayload("/backup full"));
    expect(fake.createdJobs).toHaveLength(0);
    expect(github.latest()[0]).toContain(
      "❌ Not now: another operation holds the lock: `/restore validate` (op abc123) by @carol since 2026-11-24T10:00:00.000Z, renewed at",
    );
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeDefined();
  });

  it("releases at start a lock whose backup stopped renewing it, and keeps an interrupted restore's", async () => {
    await setup();
    // Renewed last long ago: its holder is gone.
    const staleLease = (operation: string, command: string) =>
      lockLease(NS, {
        operation,
        command,
        requester: "carol",
        since: "2026-11-24T10:00:00.000Z",
        renewed: "2026-11-24T10:01:00.000Z",
      });
    const said: string[] = [];
    await fake.create(staleLease("restore1", "/restore pitr 2026-11-24 09:00:00+00"));
    await bot.reconcile((line) => said.push(line));
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeDefined();
    expect(said[0]).toMatch(/^kept the lock of an interrupted restore: `\/restore pitr/);
    await fake.delete("Lease", NS, "mcpgov-backup-lock");
    await fake.create(staleLease("backup1", "/backup full"));
    await bot.reconcile((line) => said.push(line));
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
    expect(said[1]).toBe(
      "released the lock of `/backup full` (op backup1): its holder stopped renewing it at 2026-11-24T10:01:00.000Z",
    );
  });

  it("removes old records after a command, and keeps a plan waiting and a restore running", async () => {
    await setup();
    const old = new Date(now - 40 * 24 * HOUR).toISOString();
    const record = (id: string, state: string, plan?: object) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: `mcpgov-bot-op-${id}`,
        namespace: RECORDS,
        labels: {
          "app.kubernetes.io/name": "mcpgov-backup-bot",
          "app.kubernetes.io/part-of": "mcpgov-backup",
          "app.kubernetes.io/component": "bot-operation",
        },
      },
      data: { "operation.json": JSON.stringify({ id, state, createdAt: old, plan }) },
    });
    await fake.apply([
      record("old1", "succeeded"),
      record("old2", "expired"),
      record("old3", "running"),
      record("old4", "planned", { expiresAt: new Date(now + HOUR).toISOString() }),
      record("old5", "planned", {}),
    ]);
    await deliver(probot, bot, commentPayload("/backup status"));
    const kept = records().map((r) => r.metadata.name.replace("mcpgov-bot-op-", ""));
    // The status command's own record, the restore running and the plan still waiting.
    expect(kept).toHaveLength(3);
    expect(kept).toEqual(expect.arrayContaining(["old3", "old4"]));
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
});
