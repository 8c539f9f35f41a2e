// Backup time and repository size: full with the product's settings, pgBackRest's
// defaults, candidate settings and pg_basebackup; then incr and diff after 1 % of rows
// appended, and incr after 1 % of rows updated uniformly.
import {
  type BaseBackup,
  baseBackup,
  CANDIDATES,
  DEFAULTS,
  INCREMENTAL,
  PRODUCT,
  type Variant,
  variantBackup,
} from "../support/backups.ts";
import { appendRows, source, updateUniformly } from "../support/dataset.ts";
import type { Lab } from "../support/lab.ts";
import type { BackupResult } from "../support/pg.ts";

export interface VariantBackups {
  variant: string;
  title: string;
  full: BackupResult;
  incrAppended?: BackupResult;
  diffAppended?: BackupResult;
  incrUpdated?: BackupResult;
}

export interface BackupSuiteResult {
  variants: VariantBackups[];
  baseBackups: Omit<BaseBackup, "dir" | "archive">[];
  appendedRows: number;
  updatedRows: number;
}

export async function backups(lab: Lab): Promise<BackupSuiteResult> {
  const db = await source(lab);
  const results = new Map<Variant, VariantBackups>();
  for (const variant of [PRODUCT, DEFAULTS, ...CANDIDATES]) {
    const full = await variantBackup(lab, variant, "full");
    results.set(variant, { variant: variant.name, title: variant.title, full });
  }
  const baseBackups = [];
  for (const codec of ["gzip", "zstd"] as const) {
    const { dir: _dir, archive: _archive, ...made } = await baseBackup(lab, codec);
    baseBackups.push(made);
  }
  const appendedRows = await lab.step("append 1 % of rows (a new partition)", () => appendRows(db));
  for (const variant of INCREMENTAL) {
    const entry = results.get(variant) as VariantBackups;
    entry.incrAppended = await variantBackup(lab, variant, "incr");
    entry.diffAppended = await variantBackup(lab, variant, "diff");
  }
  const updatedRows = await lab.step("update 1 % of rows, uniformly", () => updateUniformly(db));
  for (const variant of INCREMENTAL) {
    const entry = results.get(variant) as VariantBackups;
    entry.incrUpdated = await variantBackup(lab, variant, "incr");
  }
  return { variants: [...results.values()], baseBackups, appendedRows, updatedRows };
}
