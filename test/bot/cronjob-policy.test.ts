// manifests/bot-policy's policy of the bot's CronJob patches: RBAC's `cronjobs: patch` (for
// suspending the schedules during a restore) cannot be limited to spec.suspend, and a
// CronJob's Jobs are made by the CronJob controller, which the Job policy does not see. So
// a bot taken over could rewrite the validation CronJob's jobTemplate (another
// ServiceAccount, a Secret, another image, every minute) and read its pod's log. The
// policy's CEL, evaluated here (test/support/admission.ts), admits a change of
// spec.suspend only.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { SCHEDULED_CRONJOBS } from "../../src/core/schedules.ts";
import { botPolicies, policyCovers, policyMatches, refusals } from "../support/admission.ts";
import { baseObject } from "../support/base.ts";

// biome-ignore lint/suspicious/noExplicitAny: changing untyped objects
type Any = any;

const BOT = "system:serviceaccount:ai-governance:mcpgov-backup-bot";
const policy = botPolicies().get("mcpgov-backup-bot-cronjobs");
const validation = () => baseObject("CronJob", "pgbackrest-restore-validation") as Any;

/** The messages of the validations a patch by the bot fails: `before` changed by `patch`. */
function refused(before: KubeObject, patch: (after: Any) => void): string[] {
  const after = structuredClone(before) as Any;
  patch(after);
  // What the API server changes on every write, not the patch's doing.
  after.metadata.resourceVersion = "2";
  after.metadata.generation = 2;
  return refusals(policy, { username: BOT, operation: "UPDATE", object: after, oldObject: before });
}

describe("the admission policy of the bot's CronJob patches", () => {
  it("holds every update of a CronJob by the bot's ServiceAccount, in any namespace", () => {
    expect(policy).toBeDefined();
    expect(policyCovers(policy, "batch", "cronjobs", "UPDATE")).toBe(true);
    expect(policyMatches(policy, BOT)).toBe(true);
    expect(policyMatches(policy, "system:serviceaccount:ledger-db:mcpgov-backup-bot")).toBe(true);
    expect(policyMatches(policy, "system:serviceaccount:ai-governance:mcpgov-backup")).toBe(false);
  });

  it.each(SCHEDULED_CRONJOBS.filter((name) => !name.endsWith("-s3")))(
    "admits suspending and resuming %s, and nothing else",
    (name) => {
      const running = baseObject("CronJob", name) as Any;
      running.spec.suspend = false;
      expect(refused(running, (c) => (c.spec.suspend = true))).toEqual([]);
      const paused = structuredClone(running);
      paused.spec.suspend = true;
      expect(refused(paused, (c) => (c.spec.suspend = false))).toEqual([]);
      // A merge patch of suspend: null resumes it too (the default).
      expect(refused(paused, (c) => delete c.spec.suspend)).toEqual([]);
    },
  );

  const pod = (c: Any) => c.spec.jobTemplate.spec.template.spec;
  const forgeries: [string, (c: Any) => void][] = [
    ["another ServiceAccount", (c) => (pod(c).serviceAccountName = "mcpgov-backup-bot")],
    [
      "a Secret mounted",
      (c) => pod(c).volumes.push({ name: "x", secret: { secretName: "postgres-secret" } }),
    ],
    ["another image", (c) => (pod(c).containers[0].image = "evil/tools:latest")],
    ["another command", (c) => (pod(c).containers[0].command = ["sh", "-c", "cat /etc/tls/*"])],
    ["a schedule of every minute", (c) => (c.spec.schedule = "* * * * *")],
    [
      "its suspend and its schedule at once",
      (c) => {
        c.spec.suspend = true;
        c.spec.schedule = "* * * * *";
      },
    ],
    ["a field removed", (c) => delete c.spec.concurrencyPolicy],
    ["a field changed", (c) => (c.spec.startingDeadlineSeconds = 1)],
    ["another time zone", (c) => (c.spec.timeZone = "Pacific/Kiritimati")],
    ["its labels", (c) => (c.metadata.labels["app.kubernetes.io/component"] = "x")],
    ["its labels removed", (c) => delete c.metadata.labels],
    ["an annotation", (c) => (c.metadata.annotations = { x: "y" })],
    ["an owner", (c) => (c.metadata.ownerReferences = [{ kind: "Job", name: "x" }])],
    ["a finalizer", (c) => (c.metadata.finalizers = ["example.com/keep"])],
  ];

  it("refuses a patch that adds a field the CronJob did not have", () => {
    const without = validation();
    delete without.spec.timeZone;
    const added = refused(without, (c) => (c.spec.timeZone = "Etc/UTC"));
    expect(added.join("\n")).toContain("the bot changes only spec.suspend");
  });

  it.each(forgeries)("refuses a patch of the validation CronJob with %s", (_, forge) => {
    expect(refused(validation(), forge).join("\n")).toContain("the bot changes only spec.suspend");
  });
});
