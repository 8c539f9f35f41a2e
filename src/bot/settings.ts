// The bot's own settings, from its environment (the Deployment and its Secret), which no
// repository can change: which repositories it serves, and the floor under every
// repository's policy file. Without MCPGOV_REPOSITORIES it does not start: an App
// installed on an organisation would otherwise take commands from any repository there,
// including one a stranger just created.
import { TEAM_SLUG } from "../core/names/formats.ts";
import { DEFAULT_SETTINGS } from "../core/settings.ts";
import { DEFAULT_POLICY, LEVELS, type Level, RIGHTS, type Right } from "./policy.ts";

export interface BotSettings {
  /** owner/repo, lower case: the only repositories whose comments are read. */
  repositories: string[];
  namespace: string;
  stanza: string;
  /** Where the bot's operation records live: a namespace of their own, apart from the product's configuration. */
  recordsNamespace: string;
  /** The least role each right needs; a repository's file may only ask for more. */
  minimumRights: Record<Right, Level>;
  /** Teams that may also restore; a repository's file may only name fewer. */
  restoreTeams: string[];
  /** A second person confirms every restore; a repository's file cannot turn it off. */
  secondApprover: boolean;
  /** Operation records older than this are removed (plans waiting and restores running are kept). */
  keepRecordsDays: number;
  /**
   * A comment made longer ago than this is ignored: a delivery replayed after its record
   * was pruned (or captured and sent again) runs nothing.
   */
  commentMaxAgeMinutes: number;
}

/** What `--help` says about each setting. */
export const SETTINGS_HELP = `  MCPGOV_REPOSITORIES (required)   owner/repo[,owner/repo...]: the only repositories
                                   whose comments the bot reads
  MCPGOV_NAMESPACE (${DEFAULT_SETTINGS.namespace}), MCPGOV_STANZA (${DEFAULT_SETTINGS.stanza})
                                   what to back up
  MCPGOV_RECORDS_NAMESPACE         where the bot keeps its operation records and plans:
                                   MCPGOV_NAMESPACE only, beside what they are about
                                   (another is refused: its Role grants them there)
  MCPGOV_MIN_RIGHTS                the least role per command, e.g. restore=admin,backup=write
                                   (${rightsText(DEFAULT_POLICY.permissions)});
                                   a repository's policy file may only ask for more
  MCPGOV_RESTORE_TEAMS             team slugs whose members may also restore (none)
  MCPGOV_SECOND_APPROVER           true: someone other than the requester confirms (false)
  MCPGOV_KEEP_RECORDS_DAYS         how long operation records are kept (30)
  MCPGOV_COMMENT_MAX_AGE_MINUTES   a comment older than this runs nothing: a replayed
                                   delivery is ignored (10)`;

function rightsText(rights: Record<Right, Level>): string {
  return Object.entries(rights)
    .map(([right, level]) => `${right}=${level}`)
    .join(",");
}

const REPOSITORY = /^[a-z0-9](?:[a-z0-9-]{0,38})\/[a-z0-9._-]{1,100}$/;

/** The settings from the environment; an error that names the variable and what to set. */
export function botSettings(env: NodeJS.ProcessEnv): BotSettings {
  const list = (value: string | undefined) =>
    (value ?? "")
      .split(",")
      .map((item) => item.trim().toLowerCase())
      .filter((item) => item !== "");
  const repositories = list(env.MCPGOV_REPOSITORIES);
  if (repositories.length === 0)
    throw new Error(
      "set MCPGOV_REPOSITORIES to the ops repositories the bot serves (owner/repo, comma-separated); it reads no other repository's comments",
    );
  for (const repository of repositories)
    if (!REPOSITORY.test(repository))
      throw new Error(`MCPGOV_REPOSITORIES: "${repository}" is not owner/repo`);

  const minimumRights = { ...DEFAULT_POLICY.permissions };
  for (const item of list(env.MCPGOV_MIN_RIGHTS)) {
    const [right = "", level = ""] = item.split("=");
    if (!RIGHTS.includes(right as Right))
      throw new Error(`MCPGOV_MIN_RIGHTS: "${right}" is not a right (${RIGHTS.join(", ")})`);
    if (!LEVELS.includes(level as Level))
      throw new Error(`MCPGOV_MIN_RIGHTS: ${right}=${level}; use one of ${LEVELS.join(", ")}`);
    minimumRights[right as Right] = level as Level;
  }

  const restoreTeams = list(env.MCPGOV_RESTORE_TEAMS);
  for (const team of restoreTeams)
    if (!TEAM_SLUG.test(team))
      throw new Error(`MCPGOV_RESTORE_TEAMS: "${team}" is not a team slug`);

  const approver = (env.MCPGOV_SECOND_APPROVER ?? "false").trim().toLowerCase();
  if (approver !== "true" && approver !== "false")
    throw new Error(`MCPGOV_SECOND_APPROVER is "${approver}"; use true or false`);

  const days = Number(env.MCPGOV_KEEP_RECORDS_DAYS ?? 30);
  if (!Number.isInteger(days) || days < 1)
    throw new Error("MCPGOV_KEEP_RECORDS_DAYS must be a whole number of days, 1 or more");

  const minutes = Number(env.MCPGOV_COMMENT_MAX_AGE_MINUTES ?? 10);
  if (!Number.isInteger(minutes) || minutes < 1)
    throw new Error("MCPGOV_COMMENT_MAX_AGE_MINUTES must be a whole number of minutes, 1 or more");

  const namespace = env.MCPGOV_NAMESPACE || DEFAULT_SETTINGS.namespace;
  // Nothing ships the Role a records namespace of its own would need (manifests/bot grants
  // the records' rights in the bot's namespace only), so another one would fail at the
  // first command, after the comment was read: refused at start instead.
  const recordsNamespace = env.MCPGOV_RECORDS_NAMESPACE || namespace;
  if (recordsNamespace !== namespace)
    throw new Error(
      `MCPGOV_RECORDS_NAMESPACE is ${recordsNamespace}, not the bot's namespace ${namespace}: the bot keeps its records beside the database, where manifests/bot grants it the right to (leave it unset)`,
    );
  return {
    repositories,
    namespace,
    stanza: env.MCPGOV_STANZA || DEFAULT_SETTINGS.stanza,
    recordsNamespace,
    minimumRights,
    restoreTeams,
    secondApprover: approver === "true",
    keepRecordsDays: days,
    commentMaxAgeMinutes: minutes,
  };
}

/** Whether the bot serves the repository (GitHub's names are case-insensitive). */
export function serves(settings: Pick<BotSettings, "repositories">, fullName: string): boolean {
  return settings.repositories.includes(fullName.toLowerCase());
}
