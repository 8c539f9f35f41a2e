// The lock as a Lease: taken once, renewed by its holder only, stale when its holder stops
// renewing, and a fence the Action takes for what it changes, as the bot does.
import { describe, expect, it } from "vitest";
import { readInputs } from "../../src/action/inputs.ts";
import { runOperations } from "../../src/action/run.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import {
  LOCK_LEASE_SECONDS,
  LockedError,
  lockLease,
  readLock,
  reconcileLock,
  releaseLock,
  renewLock,
  requireUnlocked,
  takeLock,
} from "../../src/core/lock.ts";
import { loadManifestDir } from "../../src/core/manifests/load.ts";
import {
  COMMAND_ANNOTATION,
  IF_INTERRUPTED_ANNOTATION,
  REQUESTED_BY_ANNOTATION,
  requestedBy,
} from "../../src/core/names/labels.ts";
import { LOCK_NAME } from "../../src/core/names/objects.ts";
import { projectPath } from "../../src/core/paths.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";

const NS = "ai-governance";
const restore = {
  operation: "op1",
  command: "/restore pitr 2026-11-24 14:30:00+00",
  requester: "alice",
  ifInterrupted: "keep" as const,
};
const backup = {
  operation: "op9",
  command: "/backup full",
  requester: "carol",
  ifInterrupted: "release" as const,
};

describe("the lock", () => {
  it("is taken once: a second holder is told who has it", async () => {
    const cluster = new FakeCluster();
    await takeLock(cluster, NS, restore);
    const lease = await cluster.get("Lease", NS, LOCK_NAME);
    expect(lease?.spec).toMatchObject({
      holderIdentity: "op1",
      leaseDurationSeconds: LOCK_LEASE_SECONDS,
      renewTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
    });
    const second = takeLock(cluster, NS, { ...restore, operation: "op2", requester: "bob" });
    await expect(second).rejects.toBeInstanceOf(LockedError);
    await expect(second).rejects.toThrow(
      "another operation holds the lock: `/restore pitr 2026-11-24 14:30:00+00` (op op1) by @alice since",
    );
    // Nor is the holder itself: a second confirmation of a running restore is refused.
    await expect(takeLock(cluster, NS, restore)).rejects.toBeInstanceOf(LockedError);
  });

  it("is renewed and released by its holder only", async () => {
    const cluster = new FakeCluster();
    await takeLock(cluster, NS, restore);
    expect(await renewLock(cluster, NS, "op2")).toBe(false);
    await releaseLock(cluster, NS, "op2");
    expect(await readLock(cluster, NS)).toMatchObject({ operation: "op1", stale: false });
    expect(await renewLock(cluster, NS, "op1")).toBe(true);
    await releaseLock(cluster, NS, "op1");
    expect(await readLock(cluster, NS)).toBeUndefined();
  });

  it("is not renewed back over a change made since it was read", async () => {
    const cluster = new FakeCluster();
    await takeLock(cluster, NS, restore);
    // Another writer moves the lease on between this holder's read and its write.
    const update = cluster.update.bind(cluster);
    cluster.update = async (object) => {
      const now = (await cluster.get("Lease", NS, LOCK_NAME)) as KubeObject;
      await cluster.apply([{ ...now, spec: { ...(now.spec as object), holderIdentity: "op2" } }]);
      return update(object);
    };
    expect(await renewLock(cluster, NS, "op1")).toBe(false);
    expect((await readLock(cluster, NS))?.operation).toBe("op2");
  });

  it("goes stale when its holder stops renewing it, and says so", async () => {
    const cluster = new FakeCluster();
    await takeLock(cluster, NS, restore);
    const later = Date.now() + (LOCK_LEASE_SECONDS + 1) * 1000;
    const held = await readLock(cluster, NS, later);
    expect(held?.stale).toBe(true);
    expect(new LockedError(held as never).message).toContain("whose holder stopped renewing it at");
  });

  it("fences work for everyone but its holder", async () => {
    const cluster = new FakeCluster();
    await takeLock(cluster, NS, restore);
    await requireUnlocked(cluster, { namespace: NS, lockHolder: "op1" }, "Go on.");
    await expect(requireUnlocked(cluster, { namespace: NS }, "Deploy later.")).rejects.toThrow(
      /^Not now: another operation holds the lock: .*\. Deploy later\.$/,
    );
  });
});

describe("a stale lock at start", () => {
  const stale = (holder: typeof restore | typeof backup) =>
    lockLease(NS, {
      ...holder,
      since: "2026-11-24T10:00:00.000Z",
      renewed: "2026-11-24T10:01:00.000Z",
    });

  it.each([
    ["a backup's is released: its Job ends on its own", backup, true],
    ["a restore's is kept: production may be half-restored", restore, false],
  ])("%s", async (_name, holder, released) => {
    const cluster = new FakeCluster();
    await cluster.create(stale(holder));
    expect(await reconcileLock(cluster, NS)).toMatchObject({ found: "interrupted", released });
    expect((await readLock(cluster, NS)) === undefined).toBe(released);
  });

  it("is kept when the lease does not say what its interruption leaves", async () => {
    const cluster = new FakeCluster();
    const lease = stale(backup);
    delete lease.metadata.annotations?.["mcpgov-backup/if-interrupted"];
    await cluster.create(lease);
    expect(await reconcileLock(cluster, NS)).toMatchObject({ released: false });
  });

  it("is left alone while its holder renews it", async () => {
    const cluster = new FakeCluster();
    await takeLock(cluster, NS, backup);
    expect(await reconcileLock(cluster, NS)).toMatchObject({ found: "alive" });
    expect(await readLock(cluster, NS)).toBeDefined();
  });
});

describe("the Action during a restore", () => {
  it("applies nothing and backs up nothing while the bot's restore holds the lock", async () => {
    const cluster = new FakeCluster();
    await takeLock(cluster, NS, restore);
    const objects = loadManifestDir(projectPath("manifests")).map((d) => d.object as never);
    const inputs = readInputs((name) => (name === "operations" ? "deploy backup" : ""));
    const run = await runOperations(
      cluster,
      inputs,
      DEFAULT_SETTINGS,
      async () => objects,
      {},
      () => {},
    );
    expect(run.ok).toBe(false);
    expect(run.results.map((r) => [r.name, r.ok])).toEqual([["deploy", false]]);
    expect(run.results[0]?.detail).toMatch(
      /^another operation holds the lock: `\/restore pitr 2026-11-24 14:30:00\+00` \(op op1\) by @alice since .*, renewed at /,
    );
    // Nothing but the lock is in the cluster: no StatefulSet was started, no Job created.
    expect([...cluster.objects.values()].map((o) => o.kind)).toEqual(["Lease"]);
    const backup = await runOperations(
      cluster,
      readInputs((name) => (name === "operations" ? "backup" : "")),
      DEFAULT_SETTINGS,
      async () => objects,
      {},
      () => {},
    );
    expect(backup.results[0]?.detail).toContain("another operation holds the lock: `/restore pitr");
    expect(cluster.createdJobs).toEqual([]);
  });
});

describe("the Action's own lock", () => {
  const objects = () => loadManifestDir(projectPath("manifests")).map((d) => d.object as never);
  const run = (cluster: FakeCluster, operations: string) =>
    runOperations(
      cluster,
      readInputs((name) => (name === "operations" ? operations : "")),
      DEFAULT_SETTINGS,
      async () => objects(),
      { [REQUESTED_BY_ANNOTATION]: "dana" },
      () => {},
    );

  it("is taken for deploy, says who holds it, and is released after", async () => {
    const cluster = new FakeCluster();
    const holders: string[] = [];
    const create = cluster.create.bind(cluster);
    cluster.create = async (object: KubeObject) => {
      if (object.kind === "Lease")
        holders.push(
          `${object.metadata.annotations?.[COMMAND_ANNOTATION]} by ${requestedBy(object.metadata.annotations ?? {})}, ${object.metadata.annotations?.[IF_INTERRUPTED_ANNOTATION]}`,
        );
      return create(object);
    };
    await run(cluster, "deploy");
    expect(holders).toEqual(["action deploy by dana, release"]);
    expect(await readLock(cluster, NS)).toBeUndefined();
  });

  it("refuses a restore's confirmation while the Action's deploy runs", async () => {
    const cluster = new FakeCluster();
    let during: unknown;
    const apply = cluster.apply.bind(cluster);
    cluster.apply = async (objects: KubeObject[]) => {
      during ??= await takeLock(cluster, NS, restore).catch((error) => error);
      return apply(objects);
    };
    await run(cluster, "deploy");
    expect(during).toBeInstanceOf(LockedError);
    expect(String(during)).toContain("`action deploy` (op action-");
  });
});
