// Which of its targets a command acts on. A repository with one target names none; with
// several, every command names one (`target=NAME`) but `/backup status`, which shows them
// all. A name the repository may not act on is refused here, from the settings alone,
// before anything of that target's is read: the refusal names what it may act on.
import { type Command, commandText } from "./command.ts";
import type { CommandContext, Outcome } from "./commands/context.ts";
import type { Entry } from "./commands/registry.ts";
import { failureText } from "./failure.ts";
import { code } from "./status-comment.ts";
import { type BotTarget, targetNames } from "./targets.ts";

export type TargetChoice = { targets: BotTarget[] } | { refused: string };

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
    const result = await entry.run(each, command).then(
      (outcome) => outcome.result,
      (error: unknown) => failureText(error),
    );
    parts.push(
      `### Target ${code(each.target)} (namespace ${code(each.namespace)}, stanza ${code(each.stanza)})\n\n${result}`,
    );
  }
  return { result: parts.join("\n\n") };
}
