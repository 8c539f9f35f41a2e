// The plan lifecycle as any face calls it (src/core/plans/): a plan is confirmed only from
// where it was made and only while it waits; a holder that died leaves its lock released
// or kept as its kind says, and its plan marked failed when the lock goes. The whole flow
// through the bot is test/bot/restore-confirm.test.ts; with real restores, test/e2e/bot.test.ts.
import { describe, expect, it } from "vitest";
import { ConflictError } from "../../src/core/cluster.ts";
import { lockLease, readLock } from "../../src/core/lock.ts";
import { PLAN_KINDS } from "../../src/core/plans/kinds.ts";
import { cancelPlan, confirmPlan, reconcilePlans } from "../../src/core/plans/lifecycle.ts";
import {
  PLAN_VERSION,
  type PlanKind,
  type PlanRecord,
  PlanRecords,
} from "../../src/core/plans/record.ts";
import { withoutProgress } from "../../src/core/progress.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";

const settings = { namespace: "ledger-db", stanza: "ledger", records: "ops-records" };

function record(kind: PlanKind, state: PlanRecord["state"]): PlanRecord {
  return {
    version: PLAN_VERSION,
    id: "p1",
    kind,
    command: `/restore ${kind} …`,
    requester: "alice",
    origin: "acme/ops#7",
    namespace: settings.namespace,
    stanza: settings.stanza,
    ...(kind === "table" ? { table: "public.ledger" } : {}),
    restore: {
      target: "2026-11-24 14:30:00.000000+00",
      targetEpochMs: Date.parse("2026-11-24T14:30:00Z"),
      backupLabel: "20261124-010000F",
      backupRepo: 1,
      timeline: 1,
      currentTimeline: 1,
      window: { start: "2026-11-24T01:00:00Z", end: "2026-11-24T15:00:00Z" },
      estimateSeconds: 120,
    },
    workloads: [],
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
    state,
  };
}

async function recorded(kind: PlanKind, state: PlanRecord["state"]) {
  const cluster = new FakeCluster();
  const records = new PlanRecords(cluster, settings.records);
  await records.create(record(kind, state));
  return { cluster, records };
}

describe("a plan's confirmation and cancellation", () => {
  it("are refused for another database, even from where the plan was made", async () => {
    // One bot keeps the plans of every target in its own namespace: a confirmation that
    // names another target must not restore this one's plan there.
    const { cluster, records } = await recorded("pitr", "planned");
    const here = { id: "p1", by: "bob", origin: "acme/ops#7", secondApprover: false };
    const payments = { ...settings, namespace: "payments-db", stanza: "payments" };
    await expect(confirmPlan(cluster, payments, here, withoutProgress)).rejects.toThrow(
      "There is no planned restore p1 here",
    );
    await expect(cancelPlan(cluster, payments, here)).rejects.toThrow(
      "There is no planned restore p1 here",
    );
    expect((await records.read("p1"))?.record.state).toBe("planned");
    expect(await readLock(cluster, payments.namespace)).toBeUndefined();
  });

  it("are refused from anywhere but where the plan was made", async () => {
    const { cluster, records } = await recorded("pitr", "planned");
    const elsewhere = { id: "p1", by: "bob", origin: "acme/other#7", secondApprover: false };
    await expect(confirmPlan(cluster, settings, elsewhere, withoutProgress)).rejects.toThrow(
      "There is no planned restore p1 here",
    );
    await expect(cancelPlan(cluster, settings, elsewhere)).rejects.toThrow("no planned restore");
    expect((await records.read("p1"))?.record.state).toBe("planned");
    expect(await readLock(cluster, settings.namespace)).toBeUndefined();
  });

  it("are refused once the plan has moved on, saying where it is", async () => {
    const { cluster } = await recorded("table", "running");
    await expect(cancelPlan(cluster, settings, { id: "p1", origin: "acme/ops#7" })).rejects.toThrow(
      "Restore p1 is already running; it was not cancelled.",
    );
  });

  it("a cancel that loses to a confirmation between its read and its write says it was not cancelled", async () => {
    const { cluster, records } = await recorded("pitr", "planned");
    // The confirmation, handled elsewhere, writes first: the cancel's write holds an old version.
    const update = cluster.update.bind(cluster);
    let raced = false;
    cluster.update = async (object) => {
      if (!raced) {
        raced = true;
        await records.change("p1", (r) => {
          r.state = "running";
        });
      }
      return update(object);
    };
    await expect(cancelPlan(cluster, settings, { id: "p1", origin: "acme/ops#7" })).rejects.toThrow(
      "Restore p1 is already running; it was not cancelled.",
    );
    expect((await records.read("p1"))?.record.state).toBe("running");
  });
});

describe("a cancel that comes too late", () => {
  const request = { id: "p1", origin: "acme/ops#7" };

  it.each([
    ["cancelled", "Restore p1 was cancelled already; there is nothing to cancel."],
    ["expired", "Restore p1 has expired; there is nothing to cancel."],
    ["succeeded", "Restore p1 has already been carried out; it was not cancelled."],
    ["failed", "Restore p1 has already been tried and failed; it was not cancelled."],
  ] as const)("says what it found when the plan is %s", async (state, said) => {
    const { cluster, records } = await recorded("pitr", state);
    await expect(cancelPlan(cluster, settings, request)).rejects.toThrow(said);
    expect((await records.read("p1"))?.record.state).toBe(state);
  });

  it("loses to another cancel between its read and its write, and says the plan was cancelled already", async () => {
    const { cluster } = await recorded("pitr", "planned");
    const update = cluster.update.bind(cluster);
    let raced = false;
    cluster.update = async (object) => {
      if (!raced) {
        raced = true;
        await cancelPlan(cluster, settings, request);
      }
      return update(object);
    };
    await expect(cancelPlan(cluster, settings, request)).rejects.toThrow(
      "Restore p1 was cancelled already; there is nothing to cancel.",
    );
  });

  it("loses to a change by hand that left the plan waiting, and asks to try again", async () => {
    const { cluster, records } = await recorded("pitr", "planned");
    const update = cluster.update.bind(cluster);
    let raced = false;
    cluster.update = async (object) => {
      if (!raced) {
        raced = true;
        await records.change("p1", (r) => {
          r.expiresAt = new Date(Date.now() + 1_200_000).toISOString();
        });
      }
      return update(object);
    };
    await expect(cancelPlan(cluster, settings, request)).rejects.toThrow(
      "Restore p1 was changed by another request meanwhile; it was not cancelled. Try again.",
    );
    expect((await records.read("p1"))?.record.state).toBe("planned");
  });
});

describe("a lock whose holder died while carrying out a plan", () => {
  const stale = (kind: PlanKind) =>
    lockLease(settings.namespace, {
      operation: "p1",
      command: `/restore ${kind} …`,
      requester: "alice",
      ifInterrupted: PLAN_KINDS[kind].ifInterrupted,
      since: "2026-11-24T10:00:00.000Z",
      renewed: "2026-11-24T10:01:00.000Z",
    });

  it.each([
    ["a production restore's is kept, and its plan stays running for a person", "pitr", true],
    ["the newest state's is kept the same way", "latest", true],
    ["a table copy's (one transaction) is released, and its plan failed", "table", false],
  ] as const)("%s", async (_name, kind, kept) => {
    const { cluster, records } = await recorded(kind, "running");
    await cluster.create(stale(kind));
    expect(await reconcilePlans(cluster, settings)).toMatchObject({ released: !kept });
    expect((await readLock(cluster, settings.namespace)) !== undefined).toBe(kept);
    expect((await records.read("p1"))?.record.state).toBe(kept ? "running" : "failed");
  });
});

// The fake cluster's conditional update, which the races above and the bot's race tests
// stand on: as the API server's (test/core/kube/cluster.test.ts) and the local runner's
// (test/local/runner.test.ts).
describe("the fake cluster's conditional update", () => {
  const configMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "settings", namespace: "ops-records" },
    data: { greeting: "hello", "app.conf": "a=1\n" },
  };

  it("changes the object only from the version read, merged onto what is stored", async () => {
    const cluster = new FakeCluster();
    const read = await cluster.create(configMap);
    const written = await cluster.update({ ...read, data: { greeting: "hi" } });
    expect(written.metadata.resourceVersion).not.toBe(read.metadata.resourceVersion);
    expect(written.data).toEqual({ greeting: "hi", "app.conf": "a=1\n" });
    await expect(cluster.update({ ...read, data: { greeting: "hey" } })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await cluster.get("ConfigMap", "ops-records", "settings"))?.data).toEqual(written.data);
  });

  it("refuses a write that holds to no version, and one to an object that went", async () => {
    const cluster = new FakeCluster();
    const read = await cluster.create(configMap);
    const { resourceVersion: _, ...unversioned } = read.metadata;
    await expect(
      cluster.update({ ...read, metadata: unversioned, data: { greeting: "forced" } }),
    ).rejects.toThrow("no resourceVersion to hold it to");
    expect((await cluster.get("ConfigMap", "ops-records", "settings"))?.data).toEqual(read.data);
    await cluster.delete("ConfigMap", "ops-records", "settings");
    await expect(cluster.update(read)).rejects.toBeInstanceOf(ConflictError);
    expect(await cluster.get("ConfigMap", "ops-records", "settings")).toBeUndefined();
  });
});
