// The bot's targets: the databases it serves, each a namespace and a stanza, and the
// repositories that may act on each, by GitHub's numeric id. A name can be taken again
// (a repository renamed, or deleted and created anew by someone else); an id cannot, so a
// renamed repository keeps its targets and one re-created under an old name gets nothing.
// The file is the bot's own (a mounted ConfigMap, which no repository can change), and
// strict: an unknown key, a missing one or a wrong value stops the bot at start with what
// to write, since a mistake here decides who may restore which production.
import { parse } from "yaml";
import { TEAM_SLUG } from "../core/names/formats.ts";
import {
  DEFAULT_FLOOR,
  LEVELS,
  type Level,
  type PolicyFloor,
  RIGHTS,
  type Right,
} from "./policy.ts";

/** Where the Deployment mounts the targets file (the ConfigMap mcpgov-backup-bot-targets). */
export const DEFAULT_TARGETS_FILE = "/etc/mcpgov-backup-bot/targets.yaml";

export interface TargetRepository {
  /** GitHub's id of the repository: what decides. */
  id: number;
  /** owner/repo as it was when the file was written: for messages only. */
  name: string;
}

export interface BotTarget {
  /** What a command names it by: `target=NAME`. */
  name: string;
  namespace: string;
  stanza: string;
  repositories: TargetRepository[];
  /** The floor under every repository's policy file for this target. */
  floor: PolicyFloor;
}

/** An example the errors point to, so that a mistake says what to write. */
export const TARGETS_EXAMPLE = `targets:
  - name: payments              # what commands name: target=payments
    namespace: payments-db      # where its PostgreSQL and pgBackRest run
    stanza: payments            # its pgbackrest-config's stanza
    repositories:               # who may act on it, by GitHub's repository id
      - id: 123456789           #   gh api repos/OWNER/REPO --jq .id
        name: acme/payments-ops #   for messages only; a rename changes nothing
    floor:                      # optional; a repository's policy file can only tighten it
      min_rights: {restore: admin}
      restore_teams: [dba]
      second_approver: true`;

export class TargetsError extends Error {
  constructor(where: string, why: string) {
    super(`${where}: ${why}. A target is written like this:\n${TARGETS_EXAMPLE}`);
    this.name = "TargetsError";
  }
}

const TARGET_NAME = /^[a-z][a-z0-9-]{0,39}$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const STANZA = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const REPOSITORY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

const TARGET_KEYS = ["name", "namespace", "stanza", "repositories", "floor"];
const REPOSITORY_KEYS = ["id", "name"];
const FLOOR_KEYS = ["min_rights", "restore_teams", "second_approver"];

function mapping(value: unknown, where: string, keys: string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new TargetsError(where, `should be a mapping of ${keys.join(", ")}`);
  const found = value as Record<string, unknown>;
  const unknown = Object.keys(found).filter((key) => !keys.includes(key));
  if (unknown.length > 0)
    throw new TargetsError(where, `unknown key ${unknown.join(", ")} (known: ${keys.join(", ")})`);
  return found;
}

function matching(value: unknown, pattern: RegExp, where: string, what: string): string {
  if (typeof value !== "string" || !pattern.test(value))
    throw new TargetsError(where, `${JSON.stringify(value ?? null)} is not ${what}`);
  return value;
}

function repository(value: unknown, where: string): TargetRepository {
  const found = mapping(value, where, REPOSITORY_KEYS);
  const { id } = found;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1)
    throw new TargetsError(
      `${where}.id`,
      `${JSON.stringify(id ?? null)} is not a repository id (a whole number: gh api repos/OWNER/REPO --jq .id)`,
    );
  const name = matching(found.name, REPOSITORY_NAME, `${where}.name`, "owner/repo");
  return { id, name: name.toLowerCase() };
}

function floorOf(value: unknown, where: string): PolicyFloor {
  if (value === undefined) return structuredClone(DEFAULT_FLOOR);
  const found = mapping(value, where, FLOOR_KEYS);
  const minimumRights = { ...DEFAULT_FLOOR.minimumRights };
  if (found.min_rights !== undefined) {
    const rights = mapping(found.min_rights, `${where}.min_rights`, [...RIGHTS]);
    for (const [right, level] of Object.entries(rights)) {
      if (!LEVELS.includes(level as Level))
        throw new TargetsError(
          `${where}.min_rights.${right}`,
          `${JSON.stringify(level)}; use one of ${LEVELS.join(", ")}`,
        );
      minimumRights[right as Right] = level as Level;
    }
  }
  let restoreTeams: string[] = [];
  if (found.restore_teams !== undefined) {
    const teams = found.restore_teams;
    if (!Array.isArray(teams) || !teams.every((t) => typeof t === "string" && TEAM_SLUG.test(t)))
      throw new TargetsError(`${where}.restore_teams`, "should be a list of team slugs");
    restoreTeams = teams.map((team: string) => team.toLowerCase());
  }
  const approver = found.second_approver ?? false;
  if (typeof approver !== "boolean")
    throw new TargetsError(`${where}.second_approver`, "should be true or false");
  return { minimumRights, restoreTeams, secondApprover: approver };
}

function target(value: unknown, where: string): BotTarget {
  const found = mapping(value, where, TARGET_KEYS);
  for (const key of ["name", "namespace", "stanza", "repositories"])
    if (found[key] === undefined) throw new TargetsError(where, `${key} is missing`);
  const name = matching(
    found.name,
    TARGET_NAME,
    `${where}.name`,
    "a target name (lower-case letters, digits and -, starting with a letter)",
  );
  const at = `targets.${name}`;
  const namespace = matching(found.namespace, NAMESPACE, `${at}.namespace`, "a namespace name");
  const stanza = matching(found.stanza, STANZA, `${at}.stanza`, "a stanza name");
  const listed = found.repositories;
  if (!Array.isArray(listed) || listed.length === 0)
    throw new TargetsError(
      `${at}.repositories`,
      "should list the repositories that may act on it, each with its id",
    );
  const repositories = listed.map((r, i) => repository(r, `${at}.repositories[${i}]`));
  const ids = repositories.map((r) => r.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined)
    throw new TargetsError(`${at}.repositories`, `repository id ${twice} is listed twice`);
  return { name, namespace, stanza, repositories, floor: floorOf(found.floor, `${at}.floor`) };
}

/** The targets from the file's text; a TargetsError that says what to write. */
export function readTargets(text: string, file: string): BotTarget[] {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new TargetsError(file, `is not valid YAML (${(error as Error).message.split("\n")[0]})`);
  }
  const top = mapping(raw ?? {}, file, ["targets"]);
  const listed = top.targets;
  if (!Array.isArray(listed) || listed.length === 0)
    throw new TargetsError(file, "names no target: the bot would serve nothing");
  const targets = listed.map((t, i) => target(t, `${file}: targets[${i}]`));
  const twice = (key: (t: BotTarget) => string, what: string) => {
    const keys = targets.map(key);
    const again = keys.find((k, i) => keys.indexOf(k) !== i);
    if (again !== undefined) throw new TargetsError(file, `${what} ${again} is listed twice`);
  };
  twice((t) => t.name, "target");
  // One namespace is one database's: two targets there would share its lock and CronJobs.
  twice((t) => t.namespace, "namespace");
  return targets;
}

/** The targets a repository may act on: by its id, whatever it is called now. */
export function targetsOf(targets: BotTarget[], repositoryId: number): BotTarget[] {
  return targets.filter((t) => t.repositories.some((r) => r.id === repositoryId));
}

/** A list of targets as a refusal names them: `payments`, `ledger`. */
export function targetNames(targets: BotTarget[]): string {
  return targets.map((t) => `\`${t.name}\``).join(", ") || "none";
}
