// The machinery of a target: what a run offers the targets (looked up once), a target's
// row, and its verdict against a run.
import type { PitrCase } from "../suites/pitr.ts";
import {
  type BenchResults,
  pct,
  ratio,
  restoreOf,
  seconds,
  type Target,
  times,
  variant,
} from "./results.ts";

/** What the targets read from a run, looked up once. */
export function lookUp(r: BenchResults) {
  const pitr = (drift: PitrCase["drift"]) => r.suites.pitr?.find((c) => c.drift === drift);
  return {
    r,
    cores: r.machine.cores,
    limits: r.suites.limits,
    product: variant(r, "product"),
    // The product's settings measured as the candidates are (their own repository, no
    // archive check): what compares like with like against them.
    like: variant(r, "product-candidate") ?? variant(r, "product"),
    defaults: variant(r, "defaults"),
    zstdBase: r.suites.backup?.baseBackups.find((b) => b.codec === "zstd"),
    appended: pitr("appended"),
    updated: pitr("updated"),
    restored: restoreOf(r, "product"),
    untarred: restoreOf(r, "pg_basebackup-zstd"),
    validation: r.suites.validation,
    smallest: r.suites.scaling?.length ? r.suites.scaling[0] : undefined,
    largest: r.suites.scaling?.length ? r.suites.scaling.at(-1) : undefined,
    bot: r.suites.bot,
    action: r.suites.action,
  };
}
export type Run = ReturnType<typeof lookUp>;

/** The figure a target judges and how the table shows it; or why the run had none to give. */
export type Figure = { value: number; measured: string } | { failed: string };

export interface TargetRow {
  id: string;
  requirement: string;
  /** The bound, or null when the figure is only reported. */
  limit: number | null;
  /** Strictly below the bound (`<`) rather than at most (`≤`). */
  strict?: boolean;
  /** A figure measured once earlier on this kind of machine. */
  earlier?: string;
  /** The run's figure; undefined when the run did not measure it. */
  figure: (run: Run) => Figure | undefined;
  /** For a miss or a report (so never without the figure): why, from the run's figures. */
  why: (run: Run) => string;
}

/** One row against one run: pass or miss, and for a miss by how much. */
export function judge(row: TargetRow, run: Run): Target {
  const { id, requirement, limit, strict, earlier } = row;
  const figure = row.figure(run);
  const measuredFigure = figure && "value" in figure ? figure : undefined;
  // The keys in the order the report's JSON has always had them.
  const target = {
    id,
    requirement,
    measured: measuredFigure?.measured ?? "—",
    value: measuredFigure?.value ?? null,
    limit,
    ...(earlier === undefined ? {} : { earlier }),
    ...(strict === undefined ? {} : { strict }),
  };
  // What was measured failed: a miss, whatever the bound.
  if (figure && "failed" in figure)
    return { ...target, measured: "failed", status: "miss", note: figure.failed };
  const value = target.value;
  if (value === null || !Number.isFinite(value))
    return { ...target, value: null, status: "not measured", measured: "—" };
  if (limit === null) return { ...target, status: "report", note: row.why(run) };
  if (strict ? value < limit : value <= limit) return { ...target, status: "pass" };
  return {
    ...target,
    status: "miss",
    note: `Missed by ${pct(value / limit - 1)} (${target.measured} against ${strict ? "<" : "≤"} ${limit}). ${row.why(run)}`,
  };
}

/** a / b, shown as the ratio and the two figures it divides. */
export function ratioFigure(
  a: number | undefined,
  b: number | undefined,
  unit: (x: number) => string = seconds,
): Figure | undefined {
  const value = ratio(a, b);
  if (value === null) return undefined;
  return { value, measured: `${times(value)} (${unit(a ?? 0)} / ${unit(b ?? 0)})` };
}
