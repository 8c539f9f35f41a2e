// Which of its targets a command acts on. A repository with one target names none; with
// several, every command names one (`target=NAME`) but `/backup status`, which shows them
// all. A name the repository may not act on is refused here, from the settings alone,
// before anything of that target's is read: the refusal names what it may act on.
import type { Cluster } from "../core/cluster.ts";
import { type Command, commandText } from "./command.ts";
import type { CommandContext, Outcome } from "./commands/context.ts";
import type { Entry } from "./commands/registry.ts";
import { failureText } from "./failure.ts";
import { code } from "./status-comment.ts";
import { type BotTarget, targetNames } from "./targets.ts";

export type TargetChoice = { targets: BotTarget[] } | { refused: string };

/**
 * The targets whose namespace gives the bot no Role (manifests/bot-target not in its
 * overlay): a read its Role grants there, refused (403). Looked at when the bot starts (to
 * say so in its log) and before each command; one the cluster cannot be asked about now
 * is not counted out.
 */
export async function targetsWithoutRole(
  cluster: Cluster,
  targets: BotTarget[],
  log: (line: string) => void,
): Promise<Set<string>> {
  const without = new Set<string>();
  for (const target of targets)
    await cluster.get("CronJob", target.namespace, "pgbackrest-full-backup").catch((error) => {
      if ((error as { code?: unknown }).code === 403) without.add(target.name);
      log(`target ${target.name}: could not read its CronJobs: ${(error as Error).message}`);
    });
  return without;
}

/** The refusal of a command on a target the bot has no Role on, or undefined. */
export function roleMissing(chosen: BotTarget[], without: Set<string>): string | undefined {
  const missing = chosen.find((t) => without.has(t.name));
  if (!missing) return undefined;
  return `the bot has no Role in namespace \`${missing.namespace}\` (target \`${missing.name}\`): list manifests/bot-target in its overlay and apply it (docs/bot.md, "Targets"). Nothing was run.`;
}

/** The targets of `command` when it named `named` (or none), among the repository's own. */
export function chooseTargets(
  mine: BotTarget[],
  command: Command | undefined,
  named: string | undefined,
): TargetChoice {
  if (named !== undefined) {
    const found = mine.find((t) => t.name === named);
    if (!found)
      return {
        refused: `this repository may not act on target \`${named}\`; it may act on ${targetNames(mine)}. Nothing was run.`,
      };
    return { targets: [found] };
  }
  if (mine.length === 1 || command === undefined || ["status", "help"].includes(command.name))
    return { targets: mine };
  return {
    refused: `this repository may act on ${targetNames(mine)}: name one with \`target=NAME\`, e.g. \`${commandText(command)} target=${mine[0]?.name}\`. Nothing was run.`,
  };
}

/**
 * The command on its one target; `/backup status` of several, on each in turn, under a
 * heading of its own, one target's failure shown in its place.
 */
export async function runOnEach(
  entry: Extract<Entry<Command>, { run: unknown }>,
  contexts: CommandContext[],
  command: Command,
): Promise<Outcome> {
  const [only] = contexts;
  if (only && contexts.length === 1) return entry.run(only, command);
  const parts: string[] = [];
  for (const each of contexts) {
    // One status comment for all: each step's line names its target.
    each.comment.stepPrefix = `${each.target}: `;
    const result = await entry
      .run(each, command)
      .then(
        (outcome) => outcome.result,
        (error: unknown) => failureText(error),
      )
      .finally(() => {
        each.comment.stepPrefix = "";
      });
    parts.push(
      `### Target ${code(each.target)} (namespace ${code(each.namespace)}, stanza ${code(each.stanza)})\n\n${result}`,
    );
  }
  return { result: parts.join("\n\n") };
}
