// Who may run a command: the requester's role on the repository, from GitHub's collaborator
// permission API, or membership of a team the policy names for restores. Any error while
// asking is a refusal (fail closed), with the reason.
import type { Context } from "probot";
import { LEVELS, type Level, type Policy, type Right } from "./policy.ts";

type Octokit = Context["octokit"];

export interface Repository {
  owner: string;
  repo: string;
}

export type Decision = { allowed: true; via: string } | { allowed: false; reason: string };

function status(error: unknown): number | undefined {
  return (error as { status?: number }).status;
}

/** The user's role: role_name tells maintain and triage apart, permission does not. */
export async function roleOf(octokit: Octokit, repo: Repository, user: string): Promise<Level> {
  const { data } = await octokit.request(
    "GET /repos/{owner}/{repo}/collaborators/{username}/permission",
    { owner: repo.owner, repo: repo.repo, username: user },
  );
  const role = (data as { role_name?: string }).role_name;
  if (LEVELS.includes(role as Level)) return role as Level;
  return LEVELS.includes(data.permission as Level) ? (data.permission as Level) : "read";
}

async function inTeam(octokit: Octokit, org: string, team: string, user: string) {
  try {
    const { data } = await octokit.request(
      "GET /orgs/{org}/teams/{team_slug}/memberships/{username}",
      { org, team_slug: team, username: user },
    );
    return data.state === "active";
  } catch (error) {
    if (status(error) === 404) return false;
    throw error;
  }
}

export async function decide(
  octokit: Octokit,
  repo: Repository,
  user: string,
  right: Right,
  policy: Policy,
): Promise<Decision> {
  const needed = policy.permissions[right];
  let role: Level;
  try {
    role = await roleOf(octokit, repo, user);
  } catch (error) {
    if (status(error) === 404)
      return {
        allowed: false,
        reason: `needs ${needed}; you are not a collaborator on ${repo.owner}/${repo.repo}`,
      };
    return {
      allowed: false,
      reason: `could not read your permission on ${repo.owner}/${repo.repo} (${status(error) ?? (error as Error).message}), so nothing was run; try again`,
    };
  }
  if (LEVELS.indexOf(role) >= LEVELS.indexOf(needed)) return { allowed: true, via: role };
  if (right === "restore") {
    for (const team of policy.restoreTeams) {
      try {
        if (await inTeam(octokit, repo.owner, team, user))
          return { allowed: true, via: `team ${team}` };
      } catch (error) {
        return {
          allowed: false,
          reason: `could not check membership of team ${team} (${status(error) ?? (error as Error).message}), so nothing was run; try again`,
        };
      }
    }
  }
  const teams =
    right === "restore" && policy.restoreTeams.length > 0
      ? ` or membership of ${policy.restoreTeams.map((t) => `@${repo.owner}/${t}`).join(", ")}`
      : "";
  return {
    allowed: false,
    reason: `needs ${needed}${teams}; you have ${role}`,
  };
}
