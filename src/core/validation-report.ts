// The JSON report scripts/restore-validation.sh prints last in its log
// (docs/restore-validation-report.md).

export interface ValidationReport {
  schema: string;
  status: "passed" | "failed" | "error";
  reason: string | null;
  rtoSeconds: number | null;
  /** repo: which repository the backup came from (absent in reports before it was added). */
  backup: { label: string; repo?: number } | null;
  checks: { name: string; result: string; detail: string }[];
}

/** The report at the end of a validation Job's log, if it got that far. */
export function reportFromLog(log: string): ValidationReport | undefined {
  const start = log.lastIndexOf('{\n  "schema"');
  const end = log.lastIndexOf("}");
  if (start < 0 || end < start) return undefined;
  try {
    return JSON.parse(log.slice(start, end + 1)) as ValidationReport;
  } catch {
    return undefined;
  }
}
