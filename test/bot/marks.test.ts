// /backup mark and the restores that use marks: a named restore point with its WAL in the
// repository and a plan to exactly it; a mark that left the recovery window is refused with
// the marks that have not; a name that is not one runs nothing; /restore latest is carried
// out with the seed's full restore, pinned to the newest backup set.
import { describe, expect, it } from "vitest";
import { operationId } from "../../src/bot/records.ts";
import { commentPayload, deliver } from "../../src/fakes/github.ts";
import { bot, fake, github, HOUR, marks, now, probot, setup, workJobs } from "./harness.ts";

describe("/backup mark, /restore pitr mark:NAME and /restore latest", () => {
  it("makes a named restore point, archives its WAL, and plans a restore to exactly it", async () => {
    await setup({ roles: { alice: "admin", bob: "write" } });
    await deliver(probot, bot, commentPayload("/backup mark before-migration-42", { user: "bob" }));
    expect(github.latest().at(-1)).toMatch(
      /🔖 restore point `before-migration-42` at `0\/3000060` \(.+Z\); WAL segment `00000001000000000000000A` is in the repository/,
    );
    const made = fake.execs.find((e) => e.command.join(" ").includes("pg_create_restore_point"));
    expect(made?.command.at(-1)).toContain("pg_create_restore_point('before-migration-42')");

    await deliver(probot, bot, commentPayload("/restore pitr mark:before-migration-42"));
    const plan = github.latest().at(-1) ?? "";
    expect(plan).toContain("Restore production to **mark before-migration-42, made ");
    expect(plan).toContain("then WAL up to the mark itself");

    await deliver(probot, bot, commentPayload("/restore pitr mark:nope"));
    expect(github.latest().at(-1)).toMatch(
      /There is no mark nope\. Marks: before-migration-42 \(\d{4}-.+Z\)\./,
    );
  });

  it("plans /restore latest and carries it out with the seed's full restore, pinned", async () => {
    await setup({ roles: { alice: "admin" } });
    const payload = commentPayload("/restore latest");
    await deliver(probot, bot, payload);
    expect(github.latest().at(-1)).toContain(
      "Restore production to **the newest state: every archived WAL (up to ",
    );
    await deliver(
      probot,
      bot,
      commentPayload(`/restore confirm ${operationId(payload.comment.id)}`),
    );
    const restore = workJobs().find((j) => j.metadata.name.endsWith("-restore"));
    type JobSpec = {
      template: { spec: { containers: { args: string[]; env: { name: string }[] }[] } };
    };
    const container = (restore?.spec as JobSpec | undefined)?.template.spec.containers[0];
    // The newest backup set, and no target: recovery replays every archived WAL.
    expect(container?.args).toEqual([
      "--delta",
      "--type=default",
      "--stanza=mcpgov",
      "--repo=1",
      "--set=20261124-010000F_20261124-030000D",
      "restore",
    ]);
    expect(container?.env.map((e) => e.name)).not.toContain("RESTORE_TARGET");
    expect(github.latest().at(-1)).toContain("✅ Restored to **the newest state**");
  });

  it("refuses a mark that has left the recovery window, with the marks that have not", async () => {
    await setup({ roles: { alice: "admin" } });
    // Made before the oldest backup (3 h ago), and one inside the window.
    marks.push(`too-old|0/1000060|${new Date(now - 5 * HOUR).toISOString()}`);
    marks.push(`recent|0/5000060|${new Date(now - HOUR / 2).toISOString()}`);
    await deliver(probot, bot, commentPayload("/restore pitr mark:too-old"));
    const body = github.latest().at(-1) ?? "";
    expect(body).toContain("Mark too-old (made ");
    expect(body).toContain("can no longer be restored to:");
    expect(body).toMatch(/Marks that can: recent \(.+Z\)\./);
    expect(workJobs()).toEqual([]);
  });

  it("says what a mark's name may be, and runs nothing for one that is not", async () => {
    await setup({ roles: { bob: "write" } });
    await deliver(probot, bot, commentPayload("/backup mark x';drop", { user: "bob" }));
    expect(github.latest().at(-1)).toContain("`/backup mark` needs one name");
    expect(fake.execs).toEqual([]);
  });
});
