// Every command the bot takes, in one table: the right it needs, how its arguments are
// checked, whether it holds the lock while it runs, and what it runs. The webhook handler
// (app.ts) deduplicates, gates and dispatches by this table, and knows nothing else about
// any command. The checks are the core operations' own, run before anything is recorded.
import { cloneId, parseTtl } from "../../core/clone-objects.ts";
import { markName } from "../../core/marks.ts";
import { checkCloneRequest } from "../../core/operations/clone.ts";
import { checkPlanRequest } from "../../core/plans/lifecycle.ts";
import { type Command, type CommandName, USAGE } from "../command.ts";
import type { Policy, Right } from "../policy.ts";
import type { Target } from "../status-comment.ts";
import { backupCommand } from "./backup.ts";
import { cloneCommand, dropCommand } from "./clone.ts";
import { decideCommand } from "./confirm.ts";
import type { CommandContext, Outcome } from "./context.ts";
import { markCommand } from "./mark.ts";
import { planCommand } from "./plan.ts";
import { statusCommand } from "./status.ts";
import { validateCommand } from "./validate.ts";

type Of<N extends CommandName> = Extract<Command, { name: N }>;

/**
 * Throws a UserError for an argument that is not one (a database, table, time or id), after
 * the right and before any record, exec, Job or read of the repository.
 */
type Check<C extends Command> = (command: C, policy: Policy) => void;

export type Entry<C extends Command> =
  | {
      /** The right it needs (policy.permissions). */
      right: Right;
      check?: Check<C>;
      /** Held while it runs: one backup, validation or restore at a time. */
      lock: boolean;
      /** Runs under a status comment of its own, which the handler keeps. */
      run: (context: CommandContext, command: C) => Promise<Outcome>;
    }
  | {
      right: Right;
      check?: Check<C>;
      /** Answers by itself: a reply, or the plan's own comment (confirm, cancel). */
      answer: (context: CommandContext, command: C, target: Target) => Promise<void>;
    }
  | {
      right: undefined;
      /** Does no work: this reply is all, and nothing is recorded. */
      says: string;
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
    check: (command) => void markName(command.restorePoint),
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
    check: (command, policy) =>
      checkPlanRequest({ kind: "pitr", point: command.time, assumeUtc: policy.assumeUtc }),
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
    check: (command, policy) =>
      checkPlanRequest({
        kind: "table",
        point: command.point,
        table: command.table,
        assumeUtc: policy.assumeUtc,
      }),
    lock: false,
    run: (context, command) =>
      planCommand(context, { kind: "table", point: command.point, table: command.table }),
  },
  // A copy of production's data, beside it: the restore right, no plan (nothing changes).
  clone: {
    right: "restore",
    check: (command, policy) => {
      if (command.ttl !== undefined) parseTtl(command.ttl);
      // The clone's id is the operation's, made from the comment's: not the person's text.
      checkCloneRequest({
        time: command.point,
        assumeUtc: policy.assumeUtc,
        ...(command.database !== undefined ? { database: command.database } : {}),
      });
    },
    lock: false,
    run: async (context, command) => ({
      result: await cloneCommand(context, command.point, command.database, command.ttl),
    }),
  },
  drop: {
    right: "restore",
    check: (command) => void cloneId(command.id),
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
  help: { right: undefined, says: `what I can do on this issue:\n\n${USAGE}` },
};

export function entryFor(command: Command): Entry<Command> {
  return COMMANDS[command.name] as Entry<Command>;
}
