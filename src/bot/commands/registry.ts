// Every command the bot takes, in one table: the right it needs, whether it holds the
// lock while it runs, and what it runs. The webhook handler (app.ts) deduplicates, gates
// and dispatches by this table, and knows nothing else about any command.
import type { Command, CommandName } from "../command.ts";
import type { Right } from "../policy.ts";
import type { Target } from "../status-comment.ts";
import { backupCommand } from "./backup.ts";
import { cloneCommand, dropCommand } from "./clone.ts";
import { decideCommand } from "./confirm.ts";
import type { CommandContext, Outcome } from "./context.ts";
import { helpText } from "./help.ts";
import { markCommand } from "./mark.ts";
import { planCommand } from "./plan.ts";
import { statusCommand } from "./status.ts";
import { validateCommand } from "./validate.ts";

type Of<N extends CommandName> = Extract<Command, { name: N }>;

export type Entry<C extends Command> =
  | {
      /** The right it needs (policy.permissions); none for help. */
      right: Right | undefined;
      /** Held while it runs: one backup, validation or restore at a time. */
      lock: boolean;
      /** Runs under a status comment of its own, which the handler keeps. */
      run: (context: CommandContext, command: C) => Promise<Outcome>;
    }
  | {
      right: Right | undefined;
      /** Answers by itself: a reply, or the plan's own comment (confirm, cancel). */
      answer: (context: CommandContext, command: C, target: Target) => Promise<void>;
    };

export const COMMANDS: { [N in CommandName]: Entry<Of<N>> } = {
  backup: {
    right: "backup",
    lock: true,
    run: async (context, command) => ({ result: await backupCommand(context, command.type) }),
  },
  // A point a restore can return to: as much a change of production's record as a backup.
  mark: {
    right: "backup",
    lock: true,
    run: async (context, command) => ({
      result: await markCommand(context, command.restorePoint),
    }),
  },
  status: {
    right: "status",
    lock: false,
    run: async (context) => ({ result: await statusCommand(context) }),
  },
  validate: {
    right: "validate",
    lock: true,
    run: async (context) => ({ result: await validateCommand(context) }),
  },
  // A plan takes no lock (it refuses while another holds it); its confirmation does.
  pitr: {
    right: "restore",
    lock: false,
    run: (context, command) => planCommand(context, { kind: "pitr", point: command.time }),
  },
  latest: {
    right: "restore",
    lock: false,
    run: (context) => planCommand(context, { kind: "latest", point: "latest" }),
  },
  // Writes into production (a new table), so planned and confirmed like a restore.
  table: {
    right: "restore",
    lock: false,
    run: (context, command) =>
      planCommand(context, { kind: "table", point: command.point, table: command.table }),
  },
  // A copy of production's data, beside it: the restore right, no plan (nothing changes).
  clone: {
    right: "restore",
    lock: false,
    run: async (context, command) => ({
      result: await cloneCommand(context, command.point, command.database, command.ttl),
    }),
  },
  drop: {
    right: "restore",
    lock: false,
    run: async (context, command) => ({ result: await dropCommand(context, command.id) }),
  },
  confirm: {
    right: "restore",
    answer: (context, command, target) => decideCommand(context, "confirm", command.id, target),
  },
  cancel: {
    right: "restore",
    answer: (context, command, target) => decideCommand(context, "cancel", command.id, target),
  },
  help: { right: undefined, answer: (context, _command, target) => helpText(context, target) },
};

export function entryFor(command: Command): Entry<Command> {
  return COMMANDS[command.name] as Entry<Command>;
}
