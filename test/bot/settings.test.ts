// The bot's own settings: what its environment must say, and what each mistake is told.
import { describe, expect, it } from "vitest";
import { botSettings, serves } from "../../src/bot/settings.ts";

describe("the bot's settings", () => {
  it("needs the repositories it serves, and reads the rest with defaults", () => {
    expect(botSettings({ MCPGOV_REPOSITORIES: " Acme/Ops , acme/ops-staging" })).toEqual({
      repositories: ["acme/ops", "acme/ops-staging"],
      namespace: "ai-governance",
      stanza: "mcpgov",
      recordsNamespace: "ai-governance",
      minimumRights: { backup: "write", status: "write", validate: "write", restore: "admin" },
      restoreTeams: [],
      secondApprover: false,
      keepRecordsDays: 30,
      commentMaxAgeMinutes: 10,
    });
  });

  it("reads a floor, teams and a second approver", () => {
    const settings = botSettings({
      MCPGOV_REPOSITORIES: "acme/ops",
      MCPGOV_MIN_RIGHTS: "restore=admin,status=triage",
      MCPGOV_RESTORE_TEAMS: "dba,SRE",
      MCPGOV_SECOND_APPROVER: "true",
      MCPGOV_KEEP_RECORDS_DAYS: "7",
      MCPGOV_COMMENT_MAX_AGE_MINUTES: "30",
    });
    expect(settings).toMatchObject({
      minimumRights: { status: "triage", restore: "admin" },
      restoreTeams: ["dba", "sre"],
      secondApprover: true,
      keepRecordsDays: 7,
      commentMaxAgeMinutes: 30,
    });
  });

  const served = { MCPGOV_REPOSITORIES: "acme/ops" };
  it.each([
    [
      { MCPGOV_REPOSITORIES: " " },
      "set MCPGOV_REPOSITORIES to the ops repositories the bot serves",
    ],
    [{ MCPGOV_REPOSITORIES: "ops" }, 'MCPGOV_REPOSITORIES: "ops" is not owner/repo'],
    [{ MCPGOV_REPOSITORIES: "acme/*" }, 'MCPGOV_REPOSITORIES: "acme/*" is not owner/repo'],
    [
      { ...served, MCPGOV_MIN_RIGHTS: "delete=admin" },
      'MCPGOV_MIN_RIGHTS: "delete" is not a right',
    ],
    [
      { ...served, MCPGOV_MIN_RIGHTS: "restore=owner" },
      "MCPGOV_MIN_RIGHTS: restore=owner; use one of read",
    ],
    [
      { ...served, MCPGOV_RESTORE_TEAMS: "dba team" },
      'MCPGOV_RESTORE_TEAMS: "dba team" is not a team slug',
    ],
    [
      { ...served, MCPGOV_SECOND_APPROVER: "yes" },
      'MCPGOV_SECOND_APPROVER is "yes"; use true or false',
    ],
    [
      { ...served, MCPGOV_KEEP_RECORDS_DAYS: "0" },
      "MCPGOV_KEEP_RECORDS_DAYS must be a whole number",
    ],
    [
      { ...served, MCPGOV_NAMESPACE: "ledger-db", MCPGOV_RECORDS_NAMESPACE: "ops-records" },
      "MCPGOV_RECORDS_NAMESPACE is ops-records, not the bot's namespace ledger-db",
    ],
    [
      { ...served, MCPGOV_COMMENT_MAX_AGE_MINUTES: "0" },
      "MCPGOV_COMMENT_MAX_AGE_MINUTES must be a whole number of minutes, 1 or more",
    ],
  ])("refuses %j and says what to set", (env, message) => {
    expect(() => botSettings(env)).toThrow(message);
  });

  it("takes its own namespace as the records' namespace, said again", () => {
    const env = { ...served, MCPGOV_NAMESPACE: "ledger-db", MCPGOV_RECORDS_NAMESPACE: "ledger-db" };
    expect(botSettings(env).recordsNamespace).toBe("ledger-db");
  });

  it("serves a repository whatever the case of its name, and no other", () => {
    const settings = botSettings({ MCPGOV_REPOSITORIES: "acme/ops" });
    expect(serves(settings, "ACME/Ops")).toBe(true);
    expect(serves(settings, "acme/ops-sandbox")).toBe(false);
    expect(serves(settings, "acme/sandbox")).toBe(false);
  });
});
