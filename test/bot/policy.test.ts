import { describe, expect, it } from "vitest";
import { DEFAULT_FLOOR, DEFAULT_POLICY, readPolicy } from "../../src/bot/policy.ts";

describe("readPolicy", () => {
  it("gives the defaults without a file: write for backups, admin for restores", () => {
    expect(readPolicy(null)).toEqual(DEFAULT_POLICY);
    expect(DEFAULT_POLICY.permissions).toEqual({
      backup: "write",
      status: "write",
      validate: "write",
      restore: "admin",
    });
  });

  it("reads every setting", () => {
    // The target's floor lets status go as low as triage and restores to two teams.
    const floor = {
      ...DEFAULT_FLOOR,
      minimumRights: {
        ...DEFAULT_FLOOR.minimumRights,
        status: "triage" as const,
        restore: "maintain" as const,
      },
      restoreTeams: ["dba-oncall", "sre"],
    };
    const policy = readPolicy(
      {
        ops_label: "incident",
        permissions: { restore: "maintain", status: "triage" },
        restore_teams: ["dba-oncall"],
        confirm_minutes: 5,
        second_approver: true,
        assume_utc: true,
        stop_workloads: ["deployment/governance-api", "statefulset/ledger-worker"],
        job_timeout_minutes: 60,
      },
      floor,
    );
    expect(policy).toEqual({
      opsLabel: "incident",
      permissions: { backup: "write", status: "triage", validate: "write", restore: "maintain" },
      restoreTeams: ["dba-oncall"],
      confirmMinutes: 5,
      secondApprover: true,
      assumeUtc: true,
      stopWorkloads: [
        { kind: "Deployment", name: "governance-api" },
        { kind: "StatefulSet", name: "ledger-worker" },
      ],
      jobTimeoutMinutes: 60,
    });
  });

  it.each([
    [{ ops_lable: "ops" }, /unknown setting ops_lable/],
    [{ permissions: { restore: "owner" } }, /permissions.restore is "owner"; use one of read/],
    [{ permissions: { delete: "admin" } }, /permissions.delete is not a right/],
    [{ confirm_minutes: 0 }, /confirm_minutes must be a whole number from 1 to 240/],
    [{ second_approver: "yes" }, /second_approver must be true or false/],
    [{ stop_workloads: ["governance-api"] }, /deployment\/NAME or statefulset\/NAME/],
    [{ stop_workloads: ["deployment/a;b"] }, /deployment\/NAME/],
    [{ stop_workloads: ["statefulset/postgres"] }, /stopped by every restore/],
    [{ restore_teams: ["dba oncall"] }, /list of team slugs/],
    [["ops"], /mapping/],
  ])("refuses %j with the reason", (raw, message) => {
    expect(() => readPolicy(raw)).toThrow(message);
  });
});

describe("the floor a target has in the bot's targets file, under every policy file", () => {
  const floor = {
    minimumRights: { backup: "write", status: "write", validate: "write", restore: "admin" },
    restoreTeams: ["dba"],
    secondApprover: true,
  } as const;

  it("is the policy when the repository has no file", () => {
    expect(readPolicy(null, { ...floor, restoreTeams: ["dba"] })).toMatchObject({
      permissions: floor.minimumRights,
      restoreTeams: ["dba"],
      secondApprover: true,
    });
  });

  it.each([
    [
      { permissions: { restore: "write" } },
      "permissions.restore is write, below the admin the target's floor requires (floor.min_rights in the bot's targets file); this file can only ask for more",
    ],
    [
      { permissions: { backup: "read" } },
      "permissions.backup is read, below the write the target's floor requires",
    ],
    [
      { restore_teams: ["dba", "everyone"] },
      "restore_teams: everyone not among the teams the target's floor allows (floor.restore_teams in the bot's targets file: dba); this file can only name fewer",
    ],
    [
      { second_approver: false },
      "second_approver: the target's floor requires a second approver (floor.second_approver in the bot's targets file); this file cannot turn it off",
    ],
    [{ _extends: ".github" }, "unknown setting _extends"],
  ])("refuses a file that loosens it: %j", (raw, message) => {
    expect(() => readPolicy(raw, { ...floor, restoreTeams: ["dba"] })).toThrow(message);
  });

  it("takes a file that tightens it", () => {
    const policy = readPolicy(
      { permissions: { backup: "maintain", restore: "admin" }, restore_teams: [] },
      { ...floor, restoreTeams: ["dba"] },
    );
    expect(policy.permissions).toMatchObject({ backup: "maintain", restore: "admin" });
    expect(policy.restoreTeams).toEqual([]);
  });
});
