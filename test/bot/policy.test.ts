import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, readPolicy } from "../../src/bot/policy.ts";

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
    const policy = readPolicy({
      ops_label: "incident",
      permissions: { restore: "maintain", status: "triage" },
      restore_teams: ["dba-oncall"],
      confirm_minutes: 5,
      second_approver: true,
      assume_utc: true,
      stop_workloads: ["deployment/governance-api", "statefulset/ledger-worker"],
      job_timeout_minutes: 60,
    });
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
