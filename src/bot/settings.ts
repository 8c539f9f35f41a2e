// The bot's own settings, which no repository can change: its targets (the databases it
// serves, which repositories may act on each, by id, and each one's floor under the
// repositories' policy files) from the targets file, a mounted ConfigMap; the rest from its
// environment. Without a targets file it does not start: an App installed on an
// organisation would otherwise take commands from any repository there, including one a
// stranger just created.
import { readFileSync } from "node:fs";
import { BOT_NAMESPACE } from "../core/names/defaults.ts";
import { type BotTarget, DEFAULT_TARGETS_FILE, readTargets, targetsOf } from "./targets.ts";

export interface BotSettings {
  /** The bot's own namespace (its pod's): its records live there, beside no database. */
  namespace: string;
  /** Where the bot's operation records and plans live: its own namespace. */
  recordsNamespace: string;
  /** The databases it serves and who may act on each. */
  targets: BotTarget[];
  /** Operation records older than this are removed (plans waiting and restores running are kept). */
  keepRecordsDays: number;
  /**
   * A comment made longer ago than this is ignored: a delivery replayed after its record
   * was pruned (or captured and sent again) runs nothing.
   */
  commentMaxAgeMinutes: number;
}

/** What `--help` says about each setting. */
export const SETTINGS_HELP = `  MCPGOV_TARGETS_FILE (${DEFAULT_TARGETS_FILE})
                                   the databases the bot serves, the repositories (by id)
                                   that may act on each, and each one's floor under their
                                   policy files (docs/bot.md, "Targets"); required
  MCPGOV_NAMESPACE (${BOT_NAMESPACE})  the bot's own namespace, where its records live:
                                   no target's (the Deployment sets its pod's)
  MCPGOV_RECORDS_NAMESPACE         MCPGOV_NAMESPACE only (another is refused: nothing
                                   grants the bot its records there)
  MCPGOV_KEEP_RECORDS_DAYS         how long operation records are kept (30)
  MCPGOV_COMMENT_MAX_AGE_MINUTES   a comment older than this runs nothing: a replayed
                                   delivery is ignored (10)`;

/**
 * The settings of a bot that served one database. They matched repositories by name,
 * which a repository re-created under an old name passes; so they are refused, never read
 * as a target, and the message says what to write instead.
 */
const REPLACED: Record<string, string> = {
  MCPGOV_REPOSITORIES: "each target's repositories, by id",
  MCPGOV_STANZA: "each target's stanza",
  MCPGOV_MIN_RIGHTS: "each target's floor.min_rights",
  MCPGOV_RESTORE_TEAMS: "each target's floor.restore_teams",
  MCPGOV_SECOND_APPROVER: "each target's floor.second_approver",
};

/** The settings from the environment and the targets file; an error that says what to set. */
export function botSettings(
  env: NodeJS.ProcessEnv,
  read: (file: string) => string = (file) => readFileSync(file, "utf8"),
): BotSettings {
  const replaced = Object.keys(REPLACED).filter((name) => env[name] !== undefined);
  if (replaced.length > 0)
    throw new Error(
      `${replaced.join(", ")}: the bot now reads these from its targets file (MCPGOV_TARGETS_FILE), as ${replaced.map((name) => REPLACED[name]).join("; ")}; remove them from its environment (docs/bot.md, "Targets")`,
    );
  const file = env.MCPGOV_TARGETS_FILE || DEFAULT_TARGETS_FILE;
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    throw new Error(
      `could not read the targets file ${file} (${(error as Error).message}): mount the ConfigMap mcpgov-backup-bot-targets there, or set MCPGOV_TARGETS_FILE; the bot serves no repository without it`,
    );
  }
  const targets = readTargets(text, file);

  const days = Number(env.MCPGOV_KEEP_RECORDS_DAYS ?? 30);
  if (!Number.isInteger(days) || days < 1)
    throw new Error("MCPGOV_KEEP_RECORDS_DAYS must be a whole number of days, 1 or more");

  const minutes = Number(env.MCPGOV_COMMENT_MAX_AGE_MINUTES ?? 10);
  if (!Number.isInteger(minutes) || minutes < 1)
    throw new Error("MCPGOV_COMMENT_MAX_AGE_MINUTES must be a whole number of minutes, 1 or more");

  const namespace = env.MCPGOV_NAMESPACE || BOT_NAMESPACE;
  // Nothing ships the Role a records namespace of its own would need (manifests/bot grants
  // the records' rights in the bot's namespace only), so another one would fail at the
  // first command, after the comment was read: refused at start instead.
  const recordsNamespace = env.MCPGOV_RECORDS_NAMESPACE || namespace;
  if (recordsNamespace !== namespace)
    throw new Error(
      `MCPGOV_RECORDS_NAMESPACE is ${recordsNamespace}, not the bot's namespace ${namespace}: the bot keeps its records in its own namespace, where manifests/bot grants it the right to (leave it unset)`,
    );
  // Records beside a database would need ConfigMap rights where its configuration is.
  const beside = targets.find((t) => t.namespace === namespace);
  if (beside)
    throw new Error(
      `the bot runs in ${namespace}, target ${beside.name}'s namespace: run it in a namespace of its own (manifests/bot), so that it needs no right on ConfigMaps beside any database`,
    );
  return {
    namespace,
    recordsNamespace,
    targets,
    keepRecordsDays: days,
    commentMaxAgeMinutes: minutes,
  };
}

/** The targets a repository may act on, by GitHub's id of it: none for any other. */
export function targetsFor(settings: Pick<BotSettings, "targets">, repositoryId: number) {
  return targetsOf(settings.targets, repositoryId);
}
