// The Action's inputs (action.yml), read and checked before anything touches a cluster.

import { randomBytes } from "node:crypto";
import * as core from "@actions/core";
import { CLONE_ID, PLAIN_NAME, parseTtl } from "../core/clone-objects.ts";
import { MARK_NAME } from "../core/marks.ts";
import {
  DEFAULT_CLONE_TTL,
  DEFAULT_OPS_LABEL,
  DEFAULT_RUN_INTERVAL,
} from "../core/names/defaults.ts";
import { BACKUP_TYPES, type BackupType } from "../core/names/kinds.ts";
import { UserError } from "../core/user-error.ts";

export const OPERATIONS = [
  "deploy",
  "verify",
  "backup",
  "validate",
  "status",
  "mark",
  "clone",
  "drop-clone",
  "drill",
] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface Inputs {
  operations: Operation[];
  cluster: "kubernetes" | "local";
  /** "" when not given: the manifests' then (settings.ts), else the base's. */
  namespace: string;
  /** "" when not given: the manifests' then (settings.ts), else the base's. */
  stanza: string;
  kubeconfig: string;
  manifests: string;
  backupType: BackupType;
  timeoutMs: number;
  /** Replaces the pgBackRest image (PGBACKREST_IMAGE) the manifests run, and no other. */
  image: string;
  /** For mark: the restore point's name. */
  restorePoint: string;
  /** For clone: the point (a time, mark:NAME or latest), the one database, how long it lives. */
  clonePoint: string;
  cloneDatabase: string;
  cloneTtlMs: number;
  /** For clone (default: this run's) and drop-clone: the clone's id. */
  cloneId: string;
  /** For drill: the namespace the administrator prepared for it, a time to recover to ("" the newest), its id. */
  drillNamespace: string;
  drillPoint: string;
  drillId: string;
  /** The token the report to the ops issue is made with; "" when the workflow gives none. */
  githubToken: string;
  /** When the ops issue hears of the run. */
  report: ReportWhen;
  /** The labels of the ops issue, besides the Action's own. */
  reportLabels: string[];
  /** How often the workflow runs: a credential that expires before the next run is warned of. */
  runIntervalMs: number;
}

export const REPORT_WHEN = ["on-failure", "always", "never"] as const;
export type ReportWhen = (typeof REPORT_WHEN)[number];

/** A mistake in the workflow's `with:` block, told to the person who wrote it. */
export class InputError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** A value as an error message shows it: printable, and short even when the input was not. */
function shown(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, "?");
  return printable.length > 80 ? `${printable.slice(0, 77)}...` : printable;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError(`input ${name}: "${shown(value)}" is not one of ${allowed.join(", ")}`);
  }
  return value as T;
}

export function readInputs(get: (name: string) => string = (name) => core.getInput(name)): Inputs {
  const operations = get("operations")
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((op) => oneOf("operations", op, OPERATIONS));
  if (operations.length === 0)
    throw new InputError(`input operations: give one or more of ${OPERATIONS.join(", ")}`);
  const timeout = get("timeout-minutes") || "30";
  const minutes = Number(timeout);
  if (!/^\d+(\.\d+)?$/.test(timeout) || minutes <= 0 || minutes > 1440)
    throw new InputError(
      `input timeout-minutes: "${shown(timeout)}" should be a number of minutes from 1 to 1440`,
    );
  const namespace = get("namespace");
  if (namespace && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace))
    throw new InputError(
      `input namespace: "${shown(namespace)}" is not a namespace name (lower-case letters, digits and -, at most 63)`,
    );
  const stanza = get("stanza");
  if (stanza && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(stanza))
    throw new InputError(
      `input stanza: "${shown(stanza)}" is not a stanza name (letters, digits, _, . and -, at most 64)`,
    );
  const image = get("image");
  if (image && !/^[a-z0-9][a-z0-9._/:@-]{0,254}$/.test(image))
    throw new InputError(
      `input image: "${shown(image)}" is not an image reference such as registry.example/team/pgbackrest:2.57.0`,
    );
  const restorePoint = get("restore-point");
  if (operations.includes("mark") && !restorePoint)
    throw new InputError(
      "input restore-point: mark needs the restore point's name, such as before-migration-42",
    );
  if (restorePoint && !MARK_NAME.test(restorePoint))
    throw new InputError(
      `input restore-point: "${shown(restorePoint)}" is not a restore point name (letters, digits, _, . and -, at most 63)`,
    );
  const clonePoint = get("clone-point");
  if (operations.includes("clone") && !clonePoint)
    throw new InputError(
      "input clone-point: clone needs the point to copy: a time with its zone (2026-11-24 14:30:00+00), mark:NAME or latest",
    );
  const cloneDatabase = get("clone-database");
  if (cloneDatabase && !PLAIN_NAME.test(cloneDatabase))
    throw new InputError(
      `input clone-database: "${shown(cloneDatabase)}" is not a database name (lower-case letters, digits and _)`,
    );
  let cloneTtlMs: number;
  try {
    cloneTtlMs = parseTtl(get("clone-ttl") || DEFAULT_CLONE_TTL);
  } catch (error) {
    throw new InputError(`input clone-ttl: ${(error as Error).message}`);
  }
  const cloneId = get("clone-id") || runCloneId();
  if (!CLONE_ID.test(cloneId))
    throw new InputError(
      `input clone-id: "${shown(cloneId)}" is not a clone id (lower-case letters and digits, at most 20), as the clone operation's output clone-id gives it`,
    );
  if (operations.includes("drop-clone") && !operations.includes("clone") && !get("clone-id"))
    throw new InputError("input clone-id: drop-clone needs the id of the clone to remove");
  return {
    ...reportInputs(get),
    ...drillInputs(get, operations),
    operations,
    cluster: oneOf("cluster", get("cluster") || "kubernetes", ["kubernetes", "local"] as const),
    namespace,
    stanza,
    kubeconfig: get("kubeconfig"),
    manifests: get("manifests"),
    backupType: oneOf("backup-type", get("backup-type") || "full", BACKUP_TYPES),
    timeoutMs: minutes * 60_000,
    image,
    restorePoint,
    clonePoint,
    cloneDatabase,
    cloneTtlMs,
    cloneId,
  };
}

/** The drill's inputs: its namespace (required by drill) and point. */
function drillInputs(
  get: (name: string) => string,
  operations: Operation[],
): Pick<Inputs, "drillNamespace" | "drillPoint" | "drillId"> {
  const drillNamespace = get("drill-namespace");
  if (operations.includes("drill") && !drillNamespace)
    throw new InputError(
      "input drill-namespace: drill needs the namespace the administrator prepared for it (docs/drill.md)",
    );
  if (drillNamespace && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(drillNamespace))
    throw new InputError(
      `input drill-namespace: "${shown(drillNamespace)}" is not a namespace name (lower-case letters, digits and -, at most 63)`,
    );
  const drillPoint = get("drill-point");
  if (
    drillPoint &&
    !/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d(:?\d\d)?)$/.test(drillPoint)
  )
    throw new InputError(
      `input drill-point: "${shown(drillPoint)}" is not a time with its zone, such as 2026-11-24 14:30:00+00`,
    );
  return { drillNamespace, drillPoint, drillId: runCloneId().replace(/^c/, "d") };
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The inputs of the report to the ops issue, and of the credential's warning. */
function reportInputs(
  get: (name: string) => string,
): Pick<Inputs, "githubToken" | "report" | "reportLabels" | "runIntervalMs"> {
  const labelsText = get("report-labels") || DEFAULT_OPS_LABEL;
  const reportLabels = [
    ...new Set(
      labelsText
        .split(",")
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
  const bad = reportLabels.find((l) => l.length > 50 || /\p{Cc}/u.test(l));
  if (reportLabels.length === 0 || bad !== undefined)
    throw new InputError(
      `input report-labels: "${shown(bad ?? labelsText)}" is not a list of GitHub labels: names of at most 50 characters, separated by commas, such as ${DEFAULT_OPS_LABEL} (the label the bot takes commands on)`,
    );
  const interval = get("run-interval") || DEFAULT_RUN_INTERVAL;
  const match = /^([1-9]\d{0,3})([mhdw])$/.exec(interval);
  const runIntervalMs = match ? Number(match[1]) * (UNIT_MS[match[2] as string] ?? 0) : 0;
  if (!match || runIntervalMs > 366 * 86_400_000)
    throw new InputError(
      `input run-interval: "${shown(interval)}" should say how often the workflow runs, a number and a unit (m, h, d or w) up to a year, such as 24h or 7d`,
    );
  return {
    githubToken: get("github-token").trim(),
    report: oneOf("report", get("report") || "on-failure", REPORT_WHEN),
    reportLabels,
    runIntervalMs,
  };
}

/** This workflow run's clone: one per run and attempt, so that a re-run makes its own. */
function runCloneId(): string {
  const run = process.env.GITHUB_RUN_ID;
  if (run && /^\d{1,15}$/.test(run))
    return `r${run}a${(process.env.GITHUB_RUN_ATTEMPT ?? "1").replace(/\D/g, "").slice(0, 3)}`;
  return `c${randomBytes(5).toString("hex")}`;
}
