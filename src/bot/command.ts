// Reading a command from an issue comment. Only the first line counts, and only when it
// starts with the command: a command quoted (`> /restore ...`), in a code block or in the
// middle of a sentence is someone talking about it, not asking for it.

import { CLONE_ID } from "../core/clone-objects.ts";
import { MARK_NAME } from "../core/marks.ts";
import { BACKUP_TYPES, type BackupType } from "../core/names/kinds.ts";

export type Command =
  | { name: "backup"; type: BackupType }
  | { name: "mark"; restorePoint: string }
  | { name: "status" }
  | { name: "validate" }
  | { name: "pitr"; time: string }
  | { name: "latest" }
  | { name: "clone"; point: string; database?: string; ttl?: string }
  | { name: "drop"; id: string }
  | { name: "table"; table: string; point: string }
  | { name: "confirm"; id: string }
  | { name: "cancel"; id: string }
  | { name: "help" };

export type CommandName = Command["name"];

export type Parsed =
  | { kind: "none" }
  /** `target`: the database it names (`target=NAME`), when it names one. */
  | { kind: "command"; command: Command; target?: string }
  | { kind: "invalid"; message: string };

/** A target's name, as the targets file gives it (targets.ts) and `target=` names it. */
export const TARGET_OPTION = /^target=(.*)$/;
const TARGET_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** Longest first line read as a command; anything longer is refused, not truncated. */
export const MAX_COMMAND_LENGTH = 200;

export const USAGE = [
  `\`/backup ${BACKUP_TYPES.join("|")}\` — run a backup now`,
  "`/backup status` — the recovery window, the last backups, the last validation, WAL archiving, the marks",
  "`/backup mark <name>` — a named restore point now, e.g. before a migration: `/backup mark before-migration-42`",
  "`/restore validate` — restore the newest backup to scratch space and check it",
  "`/restore pitr <time>` — plan a point-in-time restore of production, e.g. `/restore pitr 2026-11-24 14:30:00+00`, or to a mark: `/restore pitr mark:before-migration-42`",
  "`/restore latest` — plan a restore of production to its newest state (the newest backup and every archived WAL)",
  "`/restore clone <time|mark:NAME|latest> [db=NAME] [ttl=4h]` — a temporary copy of production at that point, to query; production is not touched",
  "`/restore drop <clone>` — remove a clone before its time is up",
  "`/restore table <schema.table> <time|mark:NAME>` — plan copying one table as it was into production under a new name; production keeps every write",
  "`/restore confirm <id>` — carry out a planned restore",
  "`/restore cancel <id>` — drop a planned restore",
  "`/help` — this list",
  "",
  "Where this repository may act on more than one database, add `target=NAME` to every command but `/backup status`, e.g. `/backup full target=payments`.",
].join("\n");

const ID = /^[a-z0-9]{1,13}$/;

function invalid(message: string): Parsed {
  return { kind: "invalid", message };
}

export function parseCommand(body: string): Parsed {
  const firstLine = (body.split(/\r?\n/, 1)[0] ?? "").trimEnd();
  const word = /^\/(backup|restore|help)(?=\s|$)/.exec(firstLine)?.[1];
  if (!word) return { kind: "none" };
  if (firstLine.length > MAX_COMMAND_LENGTH)
    return invalid(`that command is longer than ${MAX_COMMAND_LENGTH} characters`);
  const words = firstLine.split(/\s+/).slice(1);
  // target=NAME anywhere: which database; the rest is the command as it always was.
  const targets = words.filter((w) => TARGET_OPTION.test(w)).map((w) => w.slice("target=".length));
  const args = words.filter((w) => !TARGET_OPTION.test(w));
  const [target] = targets;
  if (targets.length > 1) return invalid("name one target, once: `target=NAME`");
  if (target !== undefined && !TARGET_NAME.test(target))
    return invalid(
      "`target=` needs a target's name: lower-case letters, digits and `-`, e.g. `target=payments`",
    );
  const parsed = parseArgs(word, args);
  if (target === undefined || parsed.kind !== "command") return parsed;
  if (parsed.command.name === "help") return invalid("`/help` takes no target");
  return { ...parsed, target };
}

function parseArgs(word: string, args: string[]): Parsed {
  const [sub, ...rest] = args;
  if (word === "help") return args.length === 0 ? command({ name: "help" }) : usage("/help");
  if (word === "backup") {
    if (sub === "status" && rest.length === 0) return command({ name: "status" });
    if (sub === "mark") {
      const [name] = rest;
      if (rest.length !== 1 || !name || !MARK_NAME.test(name))
        return invalid(
          "`/backup mark` needs one name of letters, digits, `_`, `.` and `-` (at most 63), e.g. `/backup mark before-migration-42`",
        );
      return command({ name: "mark", restorePoint: name });
    }
    if (BACKUP_TYPES.includes(sub as BackupType) && rest.length === 0)
      return command({ name: "backup", type: sub as BackupType });
    return usage("/backup");
  }
  switch (sub) {
    case "validate":
      return rest.length === 0 ? command({ name: "validate" }) : usage("/restore validate");
    case "latest":
      return rest.length === 0 ? command({ name: "latest" }) : usage("/restore latest");
    case "pitr":
      if (rest.length === 0)
        return invalid(
          "`/restore pitr` needs the time to restore to, with its zone, e.g. `/restore pitr 2026-11-24 14:30:00+00`",
        );
      return command({ name: "pitr", time: rest.join(" ") });
    case "clone": {
      // Options last, as key=value: a time has spaces, never an "=".
      const options = rest.filter((word) => /^(db|ttl)=/.test(word));
      const point = rest.filter((word) => !options.includes(word)).join(" ");
      const option = (key: string) =>
        options.find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1);
      if (!point)
        return invalid(
          "`/restore clone` needs the point to copy: a time with its zone, `mark:NAME` or `latest`, e.g. `/restore clone 2026-11-24 14:30:00+00 db=mcpgov ttl=2h`",
        );
      const database = option("db");
      const ttl = option("ttl");
      return command({
        name: "clone",
        point,
        ...(database ? { database } : {}),
        ...(ttl ? { ttl } : {}),
      });
    }
    case "drop": {
      const id = rest[0];
      if (rest.length !== 1 || !id || !CLONE_ID.test(id))
        return invalid(
          "`/restore drop` needs the id of a clone, as its comment shows it (e.g. `/restore drop 1fq3x9k`)",
        );
      return command({ name: "drop", id });
    }
    case "table": {
      const [table, ...point] = rest;
      if (!table || point.length === 0)
        return invalid(
          "`/restore table` needs the table and the point, e.g. `/restore table public.governance_policies 2026-11-24 14:30:00+00` or `/restore table public.governance_policies mark:before-migration-42`",
        );
      return command({ name: "table", table, point: point.join(" ") });
    }
    case "confirm":
    case "cancel": {
      const id = rest[0];
      if (rest.length !== 1 || !id || !ID.test(id))
        return invalid(
          `\`/restore ${sub}\` needs the id of the planned restore, as its plan shows it (e.g. \`/restore ${sub} 1fq3x9k\`)`,
        );
      return command({ name: sub, id });
    }
    default:
      return usage("/restore");
  }
}

function command(command: Command): Parsed {
  return { kind: "command", command };
}

function usage(prefix: string): Parsed {
  const lines = USAGE.split("\n").filter((l) => l.startsWith(`\`${prefix}`));
  return invalid(`that is not a command I know. Try:\n${lines.join("\n")}`);
}

/** Each command as a person would type it, for headings and the lock's holder. */
const TEXT: { [N in CommandName]: (command: Extract<Command, { name: N }>) => string } = {
  backup: (c) => `/backup ${c.type}`,
  mark: (c) => `/backup mark ${c.restorePoint}`,
  status: () => "/backup status",
  validate: () => "/restore validate",
  pitr: (c) => `/restore pitr ${c.time}`,
  latest: () => "/restore latest",
  clone: (c) =>
    `/restore clone ${[c.point, c.database && `db=${c.database}`, c.ttl && `ttl=${c.ttl}`].filter(Boolean).join(" ")}`,
  drop: (c) => `/restore drop ${c.id}`,
  table: (c) => `/restore table ${c.table} ${c.point}`,
  confirm: (c) => `/restore confirm ${c.id}`,
  cancel: (c) => `/restore cancel ${c.id}`,
  help: () => "/help",
};

/** The command as a person would type it. */
export function commandText(command: Command): string {
  return (TEXT[command.name] as (command: Command) => string)(command);
}
