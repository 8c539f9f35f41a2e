// /restore confirm and cancel: the plan's pins in the restore Job; every check before
// anything starts (the lock, the backup set, the timeline, the expiry, a cancel, a running
// Job, a second person); the steps in order with the schedules paused and resumed; and
// where a step fails, what is left as it is and how to go on by hand.
import nock from "nock";
import { describe, expect, it } from "vitest";
import { createBot } from "../../src/bot/app.ts";
import { operationId } from "../../src/bot/records.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { lockLease } from "../../src/core/lock.ts";
import { podSpecOf } from "../../src/core/manifests/pod.ts";
import { LOCK_NAME, planRecordName } from "../../src/core/names/objects.ts";
import { projectPath } from "../../src/core/paths.ts";
import { commentPayload, deliver, testProbot, testSettings } from "../../src/fakes/github.ts";
import { sampleBackup, sampleInfo } from "../../src/fakes/pgbackrest-info.ts";
import {
  bot,
  fake,
  github,
  HOUR,
  isInfoJob,
  NS,
  now,
  planRecord,
  probot,
  recovery,
  rewritePlan,
  serveInfo,
  setup,
  workJobs,
} from "./harness.ts";

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
    const restore = workJobs().find((j) => j.metadata.name.endsWith("-restore"));
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

  it("makes the restore Job of the template the cluster holds: the overlay's image", async () => {
    const id = await planned();
    // The overlay's image: the Job is made from the CronJob as the cluster has it.
    const template = (await fake.get("CronJob", NS, "pgbackrest-restore-pitr")) as KubeObject;
    const image = "registry.example/team/pgbackrest:15.19-2.55.1-t1";
    const [container] = podSpecOf(template)?.containers ?? [];
    if (!container) throw new Error("the template has no container");
    container.image = image;
    await fake.apply([template]);
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    const restore = workJobs().find((j) => j.metadata.name.endsWith("-restore"));
    expect(podSpecOf(restore as KubeObject)?.containers[0]?.image).toBe(image);
  });

  it("says to deploy the overlay when the cluster holds no restore template, and touches nothing", async () => {
    const id = await planned();
    fake.objects.delete(`CronJob/${NS}/pgbackrest-restore-pitr`);
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toContain(
      "CronJob pgbackrest-restore-pitr not found in ai-governance: the restore Job is made from it; deploy the overlay (kubectl apply -k) first",
    );
    // Nothing was touched: no Job, no schedule paused, nothing scaled.
    expect(workJobs()).toEqual([]);
    expect(fake.suspensions).toEqual([]);
    expect(fake.scaled).toEqual([]);
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
    expect(workJobs()).toEqual([]);
    expect((await fake.get("Lease", NS, LOCK_NAME))?.spec).toMatchObject({
      holderIdentity: id,
    });
  });

  it("does not start a plan whose backup set was expired since", async () => {
    const id = await planned();
    // A scheduled full backup and expire: only a newer set is left.
    serveInfo(
      sampleInfo([
        sampleBackup("20261124-040000F", "full", now - 30 * 60_000 - 60_000, now - 30 * 60_000),
      ]),
    );
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toContain(
      "Not started: backup set 20261124-010000F is no longer in repo1 (expired since the plan). Plan it again.",
    );
    expect(workJobs()).toEqual([]);
    expect(fake.suspensions).toEqual([]);
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
  });

  it("does not start a plan when production moved to a newer timeline since", async () => {
    const id = await planned();
    const original = fake.behaviour.exec;
    fake.behaviour.exec = (pod, command) =>
      (command.at(-1) ?? "").includes("timeline_id")
        ? { code: 0, stdout: "2", stderr: "" }
        : (original?.(pod, command) ?? { code: 1, stdout: "", stderr: "" });
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toContain(
      "Not started: production is on timeline 2 now, not 1 as when this was planned (a restore happened since). Plan it again.",
    );
    expect(workJobs()).toEqual([]);
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
  });

  it("pauses all six scheduled CronJobs when the S3 component is deployed, and resumes them after", async () => {
    const id = await planned();
    // The CronJobs of an installation with the S3 component (examples/production).
    const cronJobs = renderKustomization(projectPath("examples", "production")).filter(
      (o) => o.kind === "CronJob",
    );
    await fake.apply(cronJobs);
    const six = [
      "pgbackrest-full-backup",
      "pgbackrest-diff-backup",
      "pgbackrest-restore-validation",
      "pgbackrest-full-backup-s3",
      "pgbackrest-diff-backup-s3",
      "pgbackrest-restore-validation-s3",
    ];
    expect(six.filter((name) => !cronJobs.some((c) => c.metadata.name === name))).toEqual([]);
    const suspend = (name: string) =>
      (fake.objects.get(`CronJob/${NS}/${name}`)?.spec as { suspend?: boolean } | undefined)
        ?.suspend;
    // Each one's spec.suspend at the moment the restore Job is made.
    const duringRestore: Record<string, boolean | undefined> = {};
    const original = fake.behaviour.job;
    fake.behaviour.job = (job) => {
      if (job.metadata.name.endsWith("-restore"))
        for (const name of six) duringRestore[name] = suspend(name);
      return original?.(job) ?? { outcome: "Complete", logs: "" };
    };
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toContain("✅ Restored to");
    expect(duringRestore).toEqual(Object.fromEntries(six.map((name) => [name, true])));
    for (const name of six) expect(suspend(name)).toBe(false);
    expect(fake.suspensions.filter((s) => s.endsWith("=true")).sort()).toEqual(
      six.map((name) => `${name}=true`).sort(),
    );
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
    expect(workJobs().map((j) => j.metadata.name)).toEqual([
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
    expect(workJobs()).toHaveLength(2);
    expect(github.latest().at(-1)).toBe(
      `@dana: ❌ Restore ${id} has already been carried out; nothing new was started.`,
    );
  });

  it("asks for a second person when the policy says so", async () => {
    const id = await planned("second_approver: true\n");
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toContain("someone other than @alice must confirm");
    expect(workJobs()).toHaveLength(0);
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`, { user: "dana" }));
    expect(workJobs()).toHaveLength(2);
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
    expect(workJobs()).toHaveLength(0);
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
    expect(workJobs()).toHaveLength(0);
  });

  it("asks for a new plan when the record is of an older version", async () => {
    const id = await planned();
    const { version: _, ...older } = await planRecord(id);
    await rewritePlan(older);
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest().at(-1)).toContain("made by an older version of mcpgov-backup");
    expect(github.latest().at(-1)).toContain("plan it again");
    expect(workJobs()).toHaveLength(0);
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
    expect(workJobs()).toHaveLength(0);
    expect((await planRecord(id)).state).toBe("cancelled");
    expect(github.latest().at(-1)).toContain(
      `Restore ${id} was cancelled; nothing new was started.`,
    );
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
    expect(workJobs()).toHaveLength(0);
  });

  it("stops where a step failed, keeps the lock, and says how to go on by hand", async () => {
    const id = await planned();
    const served = fake.behaviour.job;
    fake.behaviour.job = (job) =>
      job.metadata.name.endsWith("-restore")
        ? {
            outcome: "Failed",
            reason: "BackoffLimitExceeded",
            logs: "ERROR: [075]: unable to find backup set with stop time less than '2026-11-24 01:00:00+00'",
          }
        : (served?.(job) ?? { outcome: "Complete", logs: "" });
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    const body = github.latest()[0] ?? "";
    expect(body).toContain("❌ Stopped at: the restore Job");
    expect(body).toContain("**PostgreSQL is stopped**");
    expect(body).toContain("kubectl -n ai-governance scale statefulset/postgres --replicas=1");
    expect(body).toContain("ERROR: [075]");
    expect(fake.scaled).toEqual(["StatefulSet/postgres=0"]);
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeDefined();
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
    recovery.replayed = () => new Date(now - HOUR);
    try {
      await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    } finally {
      recovery.replayed = () => new Date(now - 2 * HOUR - 60_000);
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
    expect(workJobs()).toHaveLength(0);
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
    expect((await planRecord(id)).state).toBe("planned");
  });

  it("changes nothing when the safety backup fails", async () => {
    const id = await planned();
    const served = fake.behaviour.job;
    fake.behaviour.job = (job) =>
      isInfoJob(job)
        ? (served?.(job) ?? { outcome: "Complete", logs: "" })
        : { outcome: "Failed", logs: "ERROR: [050]: unable to acquire lock" };
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(github.latest()[0]).toContain(
      "❌ Stopped before changing anything: the safety backup failed",
    );
    expect(fake.scaled).toEqual([]);
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
    // Production runs as before, and so do its schedules.
    expect(fake.suspensions.filter((s) => s.endsWith("=false"))).toHaveLength(3);
    const full = await fake.get("CronJob", NS, "pgbackrest-full-backup");
    expect((full?.spec as { suspend?: boolean } | undefined)?.suspend).toBe(false);
  });
});

// A cancel delivered while a confirmation is on its way, handled by a second bot process
// on the same cluster: it lands just before the confirmation's call to the cluster named.
// Either the cancel wins, and nothing starts, or it is refused because the restore runs:
// never a "Cancelled" comment over a restore that goes on.
describe("a cancel racing a confirmation", () => {
  /** A call as the fake cluster receives it: "get ConfigMap NAME", "create Job NAME", "exec SQL". */
  function callText(method: string, args: unknown[]): string {
    const [first, , third] = args;
    if (method === "exec") return `exec ${(args[1] as string[]).at(-1)}`;
    if (typeof first === "object" && first !== null) {
      const object = first as KubeObject;
      return `${method} ${object.kind} ${object.metadata.name}`;
    }
    return `${method} ${first} ${typeof third === "string" ? third : ""}`.trimEnd();
  }

  const METHODS = [
    "get",
    "list",
    "create",
    "update",
    "delete",
    "exec",
    "waitForJob",
    "logs",
  ] as const;

  /** Every call the fake cluster gets from now on, in order; `before` runs before each. */
  function watchCalls(before: (call: string) => Promise<void> = async () => {}): string[] {
    const calls: string[] = [];
    const seam = fake as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const method of METHODS) {
      const call = (seam[method] as (...args: unknown[]) => Promise<unknown>).bind(fake);
      seam[method] = async (...args: unknown[]) => {
        const text = callText(method, args);
        calls.push(text);
        await before(text);
        return call(...args);
      };
    }
    return calls;
  }

  /** Another bot process on the same cluster and GitHub, as a second replica would be. */
  async function secondBot() {
    const other = createBot({ cluster: fake, settings: testSettings() });
    const otherProbot = testProbot();
    await otherProbot.load(other.app);
    return (body: string) => deliver(otherProbot, other, commentPayload(body, { user: "dana" }));
  }

  async function planned() {
    await setup({ roles: { alice: "admin", dana: "admin" } });
    const payload = commentPayload(`/restore pitr ${new Date(now - 2 * HOUR).toISOString()}`);
    await deliver(probot, bot, payload);
    return operationId(payload.comment.id);
  }

  /**
   * Confirms the plan, and has the second bot cancel it just before the first call of the
   * confirmation's that `at` picks (given each call and how many came before it); returns
   * whether that call came.
   */
  async function race(id: string, at: (call: string, index: number) => boolean) {
    const cancel = await secondBot();
    let index = 0;
    let cancelled = false;
    watchCalls(async (call) => {
      if (cancelled || !at(call, index++)) return;
      cancelled = true;
      await cancel(`/restore cancel ${id}`);
    });
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    return cancelled;
  }

  /** The `nth` call that starts with `text`. */
  function nthCall(text: string, nth: number) {
    let seen = 0;
    return (call: string) => call.startsWith(text) && ++seen === nth;
  }

  /** The one outcome or the other, each told as it happened; never both. */
  async function expectOneWinner(id: string): Promise<"cancelled" | "running"> {
    const state = (await planRecord(id)).state;
    const said = github.everything();
    if (state === "cancelled") {
      expect(workJobs()).toEqual([]);
      expect(fake.suspensions).toEqual([]);
      expect(fake.scaled).toEqual([]);
      expect(await fake.get("Lease", NS, LOCK_NAME)).toBeUndefined();
      expect(said).toContain("**Cancelled** by @dana");
      expect(said).not.toContain("**Confirmed**");
      expect(said).toContain(`@alice: ❌ Restore ${id} was cancelled; nothing new was started.`);
      return "cancelled";
    }
    expect(state).toBe("succeeded");
    expect(workJobs().map((job) => job.metadata.name)).toContain(`pgbackrest-bot-${id}-restore`);
    expect(said).not.toContain("**Cancelled**");
    // Refused while it runs, or once it is done (a cancel just before the outcome is written).
    const refused = new RegExp(
      `@dana: ❌ Restore ${id} (is already running|has already been carried out); it was not cancelled\\.`,
    );
    expect(said).toMatch(refused);
    return "running";
  }

  const plan = "ConfigMap mcpgov-backup-plan-";
  it.each([
    { when: "its first read of the plan", at: `get ${plan}`, nth: 1, ends: "cancelled" },
    { when: "taking the lock", at: `create Lease ${LOCK_NAME}`, nth: 1, ends: "cancelled" },
    { when: "its read of the plan under the lock", at: `get ${plan}`, nth: 2, ends: "cancelled" },
    { when: "the check for running Jobs", at: "list Job", nth: 1, ends: "cancelled" },
    { when: "the timeline check", at: "exec select timeline_id", nth: 1, ends: "cancelled" },
    {
      when: "the look at the repository",
      at: "create Job pgbackrest-info-",
      nth: 1,
      ends: "cancelled",
    },
    { when: "its write of the plan as running", at: `update ${plan}`, nth: 1, ends: "cancelled" },
    { when: "the safety backup", at: "create Job pgbackrest-bot-", nth: 1, ends: "running" },
    { when: "the restore Job", at: "create Job pgbackrest-bot-", nth: 2, ends: "running" },
  ] as const)("a cancel just before $when: the plan ends $ends", async ({ at, nth, ends }) => {
    const id = await planned();
    expect(await race(id, nthCall(at, nth))).toBe(true);
    expect(await expectOneWinner(id)).toBe(ends);
  });

  it("at every call the confirmation makes to the cluster, one of them wins, and says so", async () => {
    // The calls of a confirmation nobody cancels, from the comment to the lock's release.
    const id = await planned();
    const calls = watchCalls();
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    expect(calls.length).toBeGreaterThan(40);
    const winners = new Set<string>();
    for (const [index, call] of calls.entries()) {
      // A cluster and GitHub of its own for each race: the last one's answers go.
      nock.cleanAll();
      const again = await planned();
      const before = (_call: string, i: number) => i === index;
      expect(await race(again, before), `the cancel before call ${index}: ${call}`).toBe(true);
      try {
        winners.add(await expectOneWinner(again));
      } catch (error) {
        throw new Error(`the cancel before call ${index}, ${call}: ${(error as Error).message}`);
      }
    }
    expect([...winners].sort()).toEqual(["cancelled", "running"]);
  }, 60_000);
});
