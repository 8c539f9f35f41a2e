// /restore pitr's plan: what it tells (target, backup set, what stops, estimate) while
// nothing changes, each target it refuses and why, and no plan while a backup Job runs.
import { describe, expect, it } from "vitest";
import { operationId } from "../../src/bot/records.ts";
import { commentPayload, deliver } from "../../src/fakes/github.ts";
import {
  bot,
  fake,
  github,
  HOUR,
  now,
  operation,
  probot,
  runningJob,
  setup,
  workJobs,
} from "./harness.ts";

describe("/restore pitr: the plan and its checks", () => {
  async function plan(time: string, user = "alice") {
    const payload = commentPayload(`/restore pitr ${time}`, { user });
    await deliver(probot, bot, payload);
    return { payload, body: github.latest().at(-1) ?? "" };
  }

  it("posts the plan — target, backup set, what stops, estimate — and changes nothing", async () => {
    await setup({ policy: "stop_workloads: [deployment/governance-api]\nconfirm_minutes: 10\n" });
    const target = new Date(now - 2 * HOUR);
    const { payload, body } = await plan(target.toISOString());
    const id = operationId(payload.comment.id);
    // The target's UTC wall clock worked out with Date, not with src/core/time.ts, which
    // wrote the plan: an independent reading of the same instant.
    expect(body).toContain(
      `Restore production to **${target.toISOString().slice(0, 19).replace("T", " ")}.`,
    );
    expect(body).toContain("backup set `20261124-010000F`");
    expect(body).toContain(
      "stops `deployment/governance-api` and then `statefulset/postgres` for the restore, and starts them again afterwards",
    );
    expect(body).toMatch(/estimated duration: about \d+ min/);
    expect(body).toContain(`\`/restore confirm ${id}\``);
    expect(workJobs()).toHaveLength(0);
    expect(fake.scaled).toHaveLength(0);
    expect((await operation(payload.comment.id)).state).toBe("planned");
  });

  it.each([
    [
      "a time before the oldest backup",
      () => new Date(now - 5 * HOUR).toISOString(),
      /is before the oldest restorable point\. The recovery window is/,
    ],
    ["a time in the future", () => new Date(now + HOUR).toISOString(), /is in the future/],
    ["a time without a zone", () => "2026-11-24 14:30:00", /has no zone/],
    [
      "a local time that never happened",
      () => "2026-03-29 02:30:00 Europe/Berlin",
      /did not happen/,
    ],
    [
      "shell metacharacters",
      () => "2026-11-24 14:30:00+00$(reboot)",
      /cannot read .* as a point in time/,
    ],
  ])("refuses %s, saying why", async (_what, time, message) => {
    await setup();
    const { body } = await plan(time());
    expect(body).toMatch(message);
    expect(body).not.toContain("Plan —");
    expect(workJobs()).toHaveLength(0);
  });

  it("refuses to plan while a backup Job runs", async () => {
    await setup();
    await fake.apply([runningJob("pgbackrest-full-backup-29123")]);
    const { body } = await plan(new Date(now - 2 * HOUR).toISOString());
    expect(body).toContain("Job `pgbackrest-full-backup-29123` is still running");
  });

  it("plans while another look at the repositories (a pgbackrest info Job) runs", async () => {
    await setup();
    const info = runningJob("pgbackrest-info-0a1b2c3d");
    info.metadata.labels = { app: "pgbackrest", "app.kubernetes.io/component": "info" };
    await fake.apply([info]);
    const { body } = await plan(new Date(now - 2 * HOUR).toISOString());
    expect(body).toContain("Plan —");
  });
});
