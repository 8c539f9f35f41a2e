// Who may run what, where: only the repositories the settings name, only on issues with
// the ops label, by the collaborator permission API (failing closed) or a restore team,
// under the repository's own policy file (never the organisation's, never looser than the
// settings); bots and quoted commands are ignored; /help answers; and the status comment
// catches up when GitHub refuses writes for a while.
import nock from "nock";
import { describe, expect, it } from "vitest";
import { commentPayload, deliver, oneTarget } from "../../src/fakes/github.ts";
import { bot, fake, github, HOUR, NS, now, operation, probot, setup, workJobs } from "./harness.ts";

describe("who may run what, where", () => {
  /** The bot's records in the cluster: one ConfigMap per operation it accepted. */
  const records = () =>
    [...fake.objects.values()].filter((o) => o.metadata.name.startsWith("mcpgov-bot-op-"));

  it("does nothing at all for a repository its settings do not name", async () => {
    // An admin of a repository anyone in the organisation could create.
    await setup({ roles: { mallory: "admin" } });
    for (const body of ["/backup full", "/restore pitr 2026-11-24 14:30:00+00", "/backup help"])
      await deliver(
        probot,
        bot,
        commentPayload(body, { user: "mallory", repository: "acme/sandbox" }),
      );
    expect(records()).toEqual([]);
    expect(workJobs()).toEqual([]);
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
    expect(github.comments.size).toBe(0);
    expect(github.reactions).toEqual([]);
  });

  it("records nothing for a command it refuses", async () => {
    await setup();
    await deliver(probot, bot, commentPayload("/backup full", { labels: ["bug"] }));
    await deliver(probot, bot, commentPayload("/backup full", { user: "mallory" }));
    await deliver(
      probot,
      bot,
      commentPayload("/restore pitr 2026-11-24 14:30:00+00", { user: "bob" }),
    );
    expect(github.latest()).toHaveLength(3);
    expect(records()).toEqual([]);
  });

  it("refuses every command while the policy file tries to loosen the bot's floor", async () => {
    await setup({ policy: "permissions:\n  restore: write\n" });
    await deliver(
      probot,
      bot,
      commentPayload("/restore pitr 2026-11-24 14:30:00+00", { user: "bob" }),
    );
    expect(github.latest()).toEqual([
      "@bob: nothing was run: .github/mcpgov-backup.yml: permissions.restore is write, below the admin the target's floor requires (floor.min_rights in the bot's targets file); this file can only ask for more",
    ]);
    expect(records()).toEqual([]);
  });

  it("reads only the repository's own policy file, never the organisation's", async () => {
    // The organisation's .github repository would move commands to issues labelled "any".
    await setup({ orgPolicy: "ops_label: any\npermissions:\n  backup: read\n" });
    await deliver(probot, bot, commentPayload("/backup full", { labels: ["any"] }));
    expect(github.latest()[0]).toContain("commands run only on issues labelled `ops`");
    expect(workJobs()).toEqual([]);
  });

  it("tells a writer that /restore needs admin, and runs nothing", async () => {
    await setup();
    await deliver(
      probot,
      bot,
      commentPayload("/restore pitr 2026-11-24 14:30:00+00", { user: "bob" }),
    );
    expect(github.latest()).toEqual(["@bob: `/restore pitr` needs admin; you have write"]);
    expect(workJobs()).toHaveLength(0);
  });

  it("lets a member of a restore team plan a restore", async () => {
    await setup(
      { policy: "restore_teams: [dba-oncall]\n", teams: { "dba-oncall": ["bob"] } },
      {},
      oneTarget("{restore_teams: [dba-oncall]}"),
    );
    await deliver(
      probot,
      bot,
      commentPayload(`/restore pitr ${new Date(now - 2 * HOUR).toISOString()}`, { user: "bob" }),
    );
    expect(github.latest()[0]).toContain("**Plan — nothing has changed yet.**");
  });

  it("fails closed when GitHub cannot say what the requester may do", async () => {
    await setup({ permissionStatus: 502 });
    await deliver(probot, bot, commentPayload("/backup full"));
    expect(github.latest()[0]).toMatch(
      /could not read your permission on acme\/ops \(502\), so nothing was run/,
    );
    expect(workJobs()).toHaveLength(0);
  });

  it("denies someone who is not a collaborator", async () => {
    await setup();
    await deliver(probot, bot, commentPayload("/backup status", { user: "mallory" }));
    expect(github.latest()[0]).toBe(
      "@mallory: `/backup status` needs write; you are not a collaborator on acme/ops",
    );
    expect(workJobs()).toHaveLength(0);
  });

  it("takes commands only on issues with the ops label, not on pull requests", async () => {
    await setup();
    await deliver(probot, bot, commentPayload("/backup full", { labels: ["bug"] }));
    await deliver(probot, bot, commentPayload("/backup full", { pullRequest: true }));
    expect(github.latest()).toEqual([
      "@alice: commands run only on issues labelled `ops` (set by `ops_label` in .github/mcpgov-backup.yml).",
      "@alice: commands run only on issues labelled `ops` (set by `ops_label` in .github/mcpgov-backup.yml).",
    ]);
    expect(workJobs()).toHaveLength(0);
  });

  it("reads the ops label from the policy, and refuses everything when the policy is wrong", async () => {
    await setup({ policy: "ops_label: incident\n" });
    await deliver(probot, bot, commentPayload("/backup full", { labels: ["incident"] }));
    expect(workJobs()).toHaveLength(1);
    nock.cleanAll();
    await setup({ policy: "ops_lable: incident\n" });
    await deliver(probot, bot, commentPayload("/backup full"));
    expect(github.latest()[0]).toMatch(
      /nothing was run: .github\/mcpgov-backup.yml: unknown setting ops_lable/,
    );
    expect(workJobs()).toHaveLength(0);
  });

  it("goes on when GitHub refuses comment writes, and the comment catches up with the whole state", async () => {
    await setup({ failWrites: 2 });
    const payload = commentPayload("/backup full");
    await deliver(probot, bot, payload);
    expect(github.failedWrites).toBe(2);
    expect(workJobs()).toHaveLength(1);
    expect((await operation(payload.comment.id)).state).toBe("succeeded");
    const [body] = github.latest();
    expect(body).toMatch(/✅ \| full backup \(Job pgbackrest-bot-\w+-full\)/);
    expect(body).toContain("✅ diff backup `20261124-010000F_20261124-030000D`");
  });

  it("ignores bots, and comments that only mention a command", async () => {
    await setup();
    await deliver(
      probot,
      bot,
      commentPayload("/backup full", { userType: "Bot", user: "ci[bot]" }),
    );
    await deliver(probot, bot, commentPayload("> /backup full\nshould we?"));
    expect(github.comments.size).toBe(0);
    expect(github.reactions).toHaveLength(0);
  });

  it("answers /help from anyone and records nothing: no call to the cluster at all", async () => {
    await setup();
    for (const user of ["mallory", "bob", "alice"])
      await deliver(probot, bot, commentPayload("/help", { user }));
    const replies = github.latest();
    expect(replies).toHaveLength(3);
    for (const reply of replies) expect(reply).toContain("`/restore pitr <time>`");
    expect(records()).toEqual([]);
    expect(fake.calls).toEqual([]);
  });

  it("answers /help and explains a mistyped command", async () => {
    await setup();
    await deliver(probot, bot, commentPayload("/help", { user: "bob" }));
    await deliver(probot, bot, commentPayload("/backup everything", { user: "bob" }));
    const [help, wrong] = github.latest();
    expect(help).toContain("`/restore pitr <time>`");
    expect(wrong).toContain("@bob: that is not a command I know. Try:\n`/backup full|diff|incr`");
  });
});
