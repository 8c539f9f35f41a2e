// A request's arguments are checked before the operation asks the cluster anything: a bad
// database, table, point or id is refused with no lock read, no exec (no WAL switch), no
// Job (no pgbackrest info) and no object made. The bot's gate calls the same checks
// before it records the command (test/bot/clone-and-table.test.ts).
import { describe, expect, it } from "vitest";
import { cloneAtPoint } from "../../src/core/operations/clone.ts";
import { planRestore } from "../../src/core/operations/restore-plan.ts";
import { makePlan } from "../../src/core/plans/lifecycle.ts";
import { withoutProgress } from "../../src/core/progress.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";

const settings = { namespace: "ledger-db", stanza: "ledger", records: "ops-records" };

describe("arguments are refused before any work", () => {
  it.each([
    [{ time: "latest", database: "Bad-Name" }, '"Bad-Name" is not a database name'],
    [{ time: "latest", database: "a;b" }, '"a;b" is not a database name'],
    [{ time: "2026-11-24 14:30:00" }, "cannot read"],
    [{ time: "mark:x';drop" }, "is not a mark name"],
    [{ time: "latest", id: "../etc" }, "is not a clone id"],
  ])("a clone of %j is refused before any call to the cluster", async (fields, refusal) => {
    const cluster = new FakeCluster();
    const request = {
      id: "abc123",
      ttlMs: 3_600_000,
      annotations: {},
      timeoutMs: 60_000,
      ...fields,
    };
    await expect(cloneAtPoint(cluster, settings, request, withoutProgress)).rejects.toThrow(
      refusal,
    );
    expect(cluster.calls).toEqual([]);
  });

  it.each([
    [{ kind: "table", table: "public.x;drop", point: "latest" }, "is not a table"],
    [{ kind: "table", table: "public.ledger", point: "yesterday" }, 'cannot read "yesterday"'],
    [{ kind: "pitr", point: "yesterday" }, 'cannot read "yesterday"'],
    [{ kind: "pitr", point: "mark:x';drop" }, "is not a mark name"],
  ] as const)("a plan of %j is refused before any call to the cluster", async (fields, refusal) => {
    const cluster = new FakeCluster();
    const request = {
      id: "p1",
      command: "/restore …",
      requester: "alice",
      origin: "acme/ops#7",
      workloads: [],
      confirmMinutes: 30,
      ...fields,
    };
    await expect(makePlan(cluster, settings, request, withoutProgress)).rejects.toThrow(refusal);
    expect(cluster.calls).toEqual([]);
  });

  it("refuses a mark that is not a mark's name before looking for it", async () => {
    const cluster = new FakeCluster();
    await expect(
      planRestore(cluster, settings, { time: "mark:x';drop" }, withoutProgress),
    ).rejects.toThrow("is not a mark name");
    expect(cluster.calls).toEqual([]);
  });
});
