// The bot's own settings: its targets file and environment, what each must say, and what
// each mistake is told. The targets file itself is test/bot/targets.test.ts.
import { describe, expect, it } from "vitest";
import { botSettings, targetsFor } from "../../src/bot/settings.ts";
import { oneTarget, REPO_ID } from "../../src/fakes/github.ts";

const FILE = "/etc/mcpgov-backup-bot/targets.yaml";
const read = (text: string) => (file: string) => {
  if (file !== FILE) throw new Error(`ENOENT: no such file ${file}`);
  return text;
};

describe("the bot's settings", () => {
  it("needs its targets file, and reads the rest with defaults", () => {
    expect(botSettings({}, read(oneTarget()))).toEqual({
      namespace: "mcpgov-backup-bot",
      recordsNamespace: "mcpgov-backup-bot",
      targets: [
        {
          name: "governance",
          namespace: "ai-governance",
          stanza: "mcpgov",
          repositories: [{ id: REPO_ID, name: "acme/ops" }],
          floor: {
            minimumRights: {
              backup: "write",
              status: "write",
              validate: "write",
              restore: "admin",
            },
            restoreTeams: [],
            secondApprover: false,
          },
        },
      ],
      keepRecordsDays: 30,
      commentMaxAgeMinutes: 10,
    });
  });

  it("reads a target's floor, and how long records and comments count", () => {
    const settings = botSettings(
      { MCPGOV_KEEP_RECORDS_DAYS: "7", MCPGOV_COMMENT_MAX_AGE_MINUTES: "30" },
      read(
        oneTarget(
          "{min_rights: {restore: admin, status: triage}, restore_teams: [dba, SRE], second_approver: true}",
        ),
      ),
    );
    expect(settings).toMatchObject({ keepRecordsDays: 7, commentMaxAgeMinutes: 30 });
    expect(settings.targets[0]?.floor).toEqual({
      minimumRights: { backup: "write", status: "triage", validate: "write", restore: "admin" },
      restoreTeams: ["dba", "sre"],
      secondApprover: true,
    });
  });

  it.each([
    [
      { MCPGOV_TARGETS_FILE: "/nowhere/targets.yaml" },
      "could not read the targets file /nowhere/targets.yaml (ENOENT: no such file /nowhere/targets.yaml): mount the ConfigMap mcpgov-backup-bot-targets there",
    ],
    // The settings of a bot of one database matched repositories by name: refused, never
    // read as a target, with what to write instead.
    [
      { MCPGOV_REPOSITORIES: "acme/ops" },
      "MCPGOV_REPOSITORIES: the bot now reads these from its targets file (MCPGOV_TARGETS_FILE), as each target's repositories, by id",
    ],
    [{ MCPGOV_STANZA: "mcpgov" }, "MCPGOV_STANZA: the bot now reads these from its targets file"],
    [{ MCPGOV_MIN_RIGHTS: "restore=admin" }, "as each target's floor.min_rights"],
    [{ MCPGOV_RESTORE_TEAMS: "dba" }, "as each target's floor.restore_teams"],
    [{ MCPGOV_SECOND_APPROVER: "true" }, "as each target's floor.second_approver"],
    [{ MCPGOV_KEEP_RECORDS_DAYS: "0" }, "MCPGOV_KEEP_RECORDS_DAYS must be a whole number"],
    [
      { MCPGOV_NAMESPACE: "ops-bot", MCPGOV_RECORDS_NAMESPACE: "ops-records" },
      "MCPGOV_RECORDS_NAMESPACE is ops-records, not the bot's namespace ops-bot",
    ],
    [
      { MCPGOV_COMMENT_MAX_AGE_MINUTES: "0" },
      "MCPGOV_COMMENT_MAX_AGE_MINUTES must be a whole number of minutes, 1 or more",
    ],
    // Its records beside a database would need ConfigMap rights where its configuration is.
    [
      { MCPGOV_NAMESPACE: "ai-governance" },
      "the bot runs in ai-governance, target governance's namespace: run it in a namespace of its own",
    ],
  ])("refuses %j and says what to set", (env, message) => {
    expect(() => botSettings(env, read(oneTarget()))).toThrow(message);
  });

  it("refuses a targets file with a mistake, saying what to write", () => {
    expect(() => botSettings({}, read("targets: []"))).toThrow(
      `${FILE}: names no target: the bot would serve nothing`,
    );
  });

  it("takes its own namespace as the records' namespace, said again", () => {
    const env = { MCPGOV_NAMESPACE: "ops-bot", MCPGOV_RECORDS_NAMESPACE: "ops-bot" };
    expect(botSettings(env, read(oneTarget())).recordsNamespace).toBe("ops-bot");
  });

  it("serves a repository by its id, whatever it is called, and no other", () => {
    const settings = botSettings({}, read(oneTarget()));
    expect(targetsFor(settings, REPO_ID).map((t) => t.name)).toEqual(["governance"]);
    expect(targetsFor(settings, REPO_ID + 1)).toEqual([]);
  });
});
