// The ops repository's policy, `.github/mcpgov-backup.yml` on its default branch: which
// issues take commands, who may run what, and what a restore stops. A policy that cannot
// be read or has a mistake in it stops every command (it fails closed), with the reason.

import type { Workload } from "../core/operations/restore.ts";

export const POLICY_FILE = "mcpgov-backup.yml";

/** GitHub's repository roles, weakest first. */
export const LEVELS = ["read", "triage", "write", "maintain", "admin"] as const;
export type Level = (typeof LEVELS)[number];

/** What a command needs: backup, status and validate read or copy; restore overwrites production. */
export type Right = "backup" | "status" | "validate" | "restore";

export type { Workload };

export interface Policy {
  /** Commands are taken only on issues with this label. */
  opsLabel: string;
  permissions: Record<Right, Level>;
  /** Members of these teams (slugs in the repository's organisation) may also restore. */
  restoreTeams: string[];
  /** How long a restore plan waits for `/restore confirm`. */
  confirmMinutes: number;
  /** The confirmation must come from someone other than the requester. */
  secondApprover: boolean;
  /** Read a PITR time without a zone as UTC. */
  assumeUtc: boolean;
  /** Application workloads stopped before a restore and started after it. */
  stopWorkloads: Workload[];
  /** Longest a Job the bot runs may take. */
  jobTimeoutMinutes: number;
}

export const DEFAULT_POLICY: Policy = {
  opsLabel: "ops",
  permissions: { backup: "write", status: "write", validate: "write", restore: "admin" },
  restoreTeams: [],
  confirmMinutes: 15,
  secondApprover: false,
  assumeUtc: false,
  stopWorkloads: [],
  jobTimeoutMinutes: 240,
};

export class PolicyError extends Error {
  constructor(why: string) {
    super(`.github/${POLICY_FILE}: ${why}`);
    this.name = "PolicyError";
  }
}

const KEYS = [
  "ops_label",
  "permissions",
  "restore_teams",
  "confirm_minutes",
  "second_approver",
  "assume_utc",
  "stop_workloads",
  "job_timeout_minutes",
];

function level(value: unknown, where: string): Level {
  if (!LEVELS.includes(value as Level))
    throw new PolicyError(`${where} is ${JSON.stringify(value)}; use one of ${LEVELS.join(", ")}`);
  return value as Level;
}

function positive(value: unknown, where: string, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max)
    throw new PolicyError(`${where} must be a whole number from 1 to ${max}`);
  return value;
}

function flag(value: unknown, where: string): boolean {
  if (typeof value !== "boolean") throw new PolicyError(`${where} must be true or false`);
  return value;
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function workload(value: unknown): Workload {
  const match = typeof value === "string" && /^(deployment|statefulset)\/(.+)$/.exec(value);
  if (!match || !NAME.test(match[2] as string))
    throw new PolicyError(
      `stop_workloads: ${JSON.stringify(value)} should be deployment/NAME or statefulset/NAME`,
    );
  if (match[1] === "statefulset" && match[2] === "postgres")
    throw new PolicyError(
      "stop_workloads: statefulset/postgres is stopped by every restore; list only applications",
    );
  return {
    kind: match[1] === "deployment" ? "Deployment" : "StatefulSet",
    name: match[2] as string,
  };
}

/** The policy from the file's parsed YAML (null when there is no file): defaults for what it leaves out. */
export function readPolicy(raw: unknown): Policy {
  if (raw === null || raw === undefined) return structuredClone(DEFAULT_POLICY);
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new PolicyError("should be a mapping of settings");
  const file = raw as Record<string, unknown>;
  const unknown = Object.keys(file).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0)
    throw new PolicyError(`unknown setting ${unknown.join(", ")} (known: ${KEYS.join(", ")})`);
  const policy = structuredClone(DEFAULT_POLICY);
  if (file.ops_label !== undefined) {
    if (typeof file.ops_label !== "string" || file.ops_label.trim() === "")
      throw new PolicyError("ops_label must be a label name");
    policy.opsLabel = file.ops_label;
  }
  if (file.permissions !== undefined) {
    if (typeof file.permissions !== "object" || file.permissions === null)
      throw new PolicyError("permissions should map backup, status, validate, restore to a role");
    for (const [right, value] of Object.entries(file.permissions)) {
      if (!(right in policy.permissions))
        throw new PolicyError(
          `permissions.${right} is not a right (known: backup, status, validate, restore)`,
        );
      policy.permissions[right as Right] = level(value, `permissions.${right}`);
    }
  }
  if (file.restore_teams !== undefined) {
    if (
      !Array.isArray(file.restore_teams) ||
      !file.restore_teams.every((t) => typeof t === "string" && /^[a-z0-9][-a-z0-9_]*$/i.test(t))
    )
      throw new PolicyError("restore_teams should be a list of team slugs");
    policy.restoreTeams = file.restore_teams as string[];
  }
  if (file.confirm_minutes !== undefined)
    policy.confirmMinutes = positive(file.confirm_minutes, "confirm_minutes", 240);
  if (file.second_approver !== undefined)
    policy.secondApprover = flag(file.second_approver, "second_approver");
  if (file.assume_utc !== undefined) policy.assumeUtc = flag(file.assume_utc, "assume_utc");
  if (file.stop_workloads !== undefined) {
    if (!Array.isArray(file.stop_workloads))
      throw new PolicyError("stop_workloads should be a list such as [deployment/governance-api]");
    policy.stopWorkloads = file.stop_workloads.map(workload);
  }
  if (file.job_timeout_minutes !== undefined)
    policy.jobTimeoutMinutes = positive(file.job_timeout_minutes, "job_timeout_minutes", 1440);
  return policy;
}
