// The ops repository's policy, `.github/mcpgov-backup.yml` on its default branch: which
// issues take commands, who may run what, and what a restore stops. Only that repository's
// own file is read: no organisation-wide fallback, no `_extends`. Writers can change it,
// so it can only tighten the floor the target has in the bot's targets file (targets.ts): more rights,
// fewer teams, a second approver. A policy that cannot be read, has a mistake in it or
// tries to loosen the floor stops every command (it fails closed), with the reason.
import type { Context } from "probot";
import { parse } from "yaml";
import { DEFAULT_OPS_LABEL } from "../core/names/defaults.ts";
import { TEAM_SLUG } from "../core/names/formats.ts";
import { parseWorkload, type Workload, workloadText } from "../core/names/kinds.ts";
import { POSTGRES_WORKLOAD } from "../core/names/objects.ts";

export const POLICY_FILE = "mcpgov-backup.yml";

/** GitHub's repository roles, weakest first. */
export const LEVELS = ["read", "triage", "write", "maintain", "admin"] as const;
export type Level = (typeof LEVELS)[number];

/** What a command needs: backup, status and validate read or copy; restore overwrites production. */
export const RIGHTS = ["backup", "status", "validate", "restore"] as const;
export type Right = (typeof RIGHTS)[number];

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
  opsLabel: DEFAULT_OPS_LABEL,
  permissions: { backup: "write", status: "write", validate: "write", restore: "admin" },
  restoreTeams: [],
  confirmMinutes: 15,
  secondApprover: false,
  assumeUtc: false,
  stopWorkloads: [],
  jobTimeoutMinutes: 240,
};

/** What the bot's settings fix under every repository's file. */
export interface PolicyFloor {
  minimumRights: Record<Right, Level>;
  restoreTeams: string[];
  secondApprover: boolean;
}

/** The floor when the bot's settings set none: the defaults above. */
export const DEFAULT_FLOOR: PolicyFloor = {
  minimumRights: DEFAULT_POLICY.permissions,
  restoreTeams: [],
  secondApprover: false,
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
  const parsed = typeof value === "string" ? parseWorkload(value) : undefined;
  if (!parsed || !NAME.test(parsed.name))
    throw new PolicyError(
      `stop_workloads: ${JSON.stringify(value)} should be deployment/NAME or statefulset/NAME`,
    );
  if (workloadText(parsed) === workloadText(POSTGRES_WORKLOAD))
    throw new PolicyError(
      `stop_workloads: ${workloadText(POSTGRES_WORKLOAD)} is stopped by every restore; list only applications`,
    );
  return parsed;
}

/**
 * The policy from the file's parsed YAML (null when there is no file): the floor and the
 * defaults for what it leaves out; a PolicyError for what it gets wrong or tries to loosen.
 */
export function readPolicy(raw: unknown, floor: PolicyFloor = DEFAULT_FLOOR): Policy {
  const policy: Policy = {
    ...structuredClone(DEFAULT_POLICY),
    permissions: { ...floor.minimumRights },
    restoreTeams: [...floor.restoreTeams],
    secondApprover: floor.secondApprover,
  };
  if (raw === null || raw === undefined) return policy;
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new PolicyError("should be a mapping of settings");
  const file = raw as Record<string, unknown>;
  const unknown = Object.keys(file).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0)
    throw new PolicyError(`unknown setting ${unknown.join(", ")} (known: ${KEYS.join(", ")})`);
  if (file.ops_label !== undefined) {
    if (typeof file.ops_label !== "string" || file.ops_label.trim() === "")
      throw new PolicyError("ops_label must be a label name");
    policy.opsLabel = file.ops_label;
  }
  if (file.permissions !== undefined) {
    if (typeof file.permissions !== "object" || file.permissions === null)
      throw new PolicyError(`permissions should map ${RIGHTS.join(", ")} to a role`);
    for (const [right, value] of Object.entries(file.permissions)) {
      if (!RIGHTS.includes(right as Right))
        throw new PolicyError(`permissions.${right} is not a right (known: ${RIGHTS.join(", ")})`);
      const asked = level(value, `permissions.${right}`);
      const least = floor.minimumRights[right as Right];
      if (LEVELS.indexOf(asked) < LEVELS.indexOf(least))
        throw new PolicyError(
          `permissions.${right} is ${asked}, below the ${least} the target's floor requires (floor.min_rights in the bot's targets file); this file can only ask for more`,
        );
      policy.permissions[right as Right] = asked;
    }
  }
  if (file.restore_teams !== undefined) {
    if (
      !Array.isArray(file.restore_teams) ||
      !file.restore_teams.every((t) => typeof t === "string" && TEAM_SLUG.test(t))
    )
      throw new PolicyError("restore_teams should be a list of team slugs");
    const outside = (file.restore_teams as string[]).filter(
      (t) => !floor.restoreTeams.includes(t.toLowerCase()),
    );
    if (outside.length > 0)
      throw new PolicyError(
        `restore_teams: ${outside.join(", ")} not among the teams the target's floor allows (floor.restore_teams in the bot's targets file: ${floor.restoreTeams.join(", ") || "none"}); this file can only name fewer`,
      );
    policy.restoreTeams = (file.restore_teams as string[]).map((t) => t.toLowerCase());
  }
  if (file.confirm_minutes !== undefined)
    policy.confirmMinutes = positive(file.confirm_minutes, "confirm_minutes", 240);
  if (file.second_approver !== undefined) {
    const asked = flag(file.second_approver, "second_approver");
    if (floor.secondApprover && !asked)
      throw new PolicyError(
        "second_approver: the target's floor requires a second approver (floor.second_approver in the bot's targets file); this file cannot turn it off",
      );
    policy.secondApprover = asked;
  }
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

/**
 * The repository's own policy file from its default branch, parsed; null when there is
 * none. Read through the contents API, not Probot's config loader, which would fall back
 * to the organisation's `.github` repository and follow `_extends` to any other.
 */
export async function fetchPolicyFile(
  octokit: Context["octokit"],
  repository: { owner: string; repo: string },
): Promise<unknown> {
  let text: string;
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      ...repository,
      path: `.github/${POLICY_FILE}`,
      mediaType: { format: "raw" },
    });
    text = String(data);
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw new PolicyError(`could not be read (${(error as Error).message})`);
  }
  try {
    return parse(text) ?? null;
  } catch (error) {
    throw new PolicyError(`is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
}
