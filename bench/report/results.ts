// The bench's results as docs/benchmarks.json holds them, the targets they are judged
// against, how their figures are written, and lookups into them.
import type { ActionResult } from "../suites/action.ts";
import type { ArchivingRun } from "../suites/archiving.ts";
import type { BackupSuiteResult, VariantBackups } from "../suites/backup.ts";
import type { BotResult } from "../suites/bot.ts";
import type { LimitsResult } from "../suites/limits.ts";
import type { PitrCase } from "../suites/pitr.ts";
import type { ReplayPoint } from "../suites/replay.ts";
import type { RestoreEntry } from "../suites/restore.ts";
import type { ScalingPoint } from "../suites/scaling.ts";
import type { ValidationResult } from "../suites/validation.ts";
import type { Machine } from "../support/machine.ts";

export const SUITES = [
  "limits",
  "backup",
  "restore",
  "pitr",
  "replay",
  "validation",
  "scaling",
  "archiving",
  "bot",
  "action",
] as const;
export type SuiteName = (typeof SUITES)[number];

export interface BenchResults {
  schema: "mcpgov-backup/bench/v1";
  command: string;
  machine: Machine;
  sizeGb: number;
  /** The sizes the scaling suite measured, GiB (absent in runs before it existed). */
  sizesGb?: number[];
  coldCache: boolean;
  productSettings: Record<string, string>;
  dataset?: { rows: number; databaseBytes: number; pgdataBytes: number; loadSeconds: number };
  suites: {
    limits?: LimitsResult;
    backup?: BackupSuiteResult;
    restore?: RestoreEntry[];
    pitr?: PitrCase[];
    replay?: ReplayPoint[];
    validation?: ValidationResult;
    scaling?: ScalingPoint[];
    archiving?: ArchivingRun[];
    bot?: BotResult;
    action?: ActionResult;
  };
  suiteSeconds: Record<string, number>;
  errors: { suite: string; message: string }[];
  totalSeconds: number;
}

export interface Target {
  id: string;
  requirement: string;
  /** The measured figure as the table shows it. */
  measured: string;
  value: number | null;
  /** The bound, or null when the figure is only reported. */
  limit: number | null;
  /** Strictly below the bound (`<`) or at most (`≤`). */
  strict?: boolean;
  status: "pass" | "miss" | "report" | "not measured";
  /** A figure measured once earlier on this kind of machine, for comparison. */
  earlier?: string;
  /** For a miss: by how much and why; for a report: what it means. */
  note?: string;
}

// ── formatting ──────────────────────────────────────────────────────────────────────

export const seconds = (s: number) => `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
export const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;
export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e8 ? 1 : 0)} MB`;
export const times = (x: number) => `${x < 0.1 ? x.toFixed(3) : x.toFixed(2)}×`;
export const gib = (x: number) => `${x} GiB`;
export const pct = (x: number) => `${Math.round(x * 100)} %`;

export function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

// ── targets ─────────────────────────────────────────────────────────────────────────

export function variant(r: BenchResults, name: string): VariantBackups | undefined {
  return r.suites.backup?.variants.find((v) => v.variant === name);
}

export function restoreOf(r: BenchResults, name: string): RestoreEntry | undefined {
  return r.suites.restore?.find((e) => e.name === name);
}

export const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? null : a / b;
