// The weekly restore validation (scripts/restore-validation.sh, as the CronJob runs it:
// no arguments, so the newest backup to consistency) against a bare restore of the same
// backup started until it accepts writes: what the checks cost.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../src/local/host.ts";
import { stagedForService } from "../../src/local/lab/stage.ts";
import { productFull } from "../support/backups.ts";
import { type Source, source } from "../support/dataset.ts";
import type { Lab } from "../support/lab.ts";
import { type RestoreResult, restoreCopy, timedRestore } from "../support/pg.ts";
import { round, timed } from "../support/stats.ts";

/** What restore-validation.sh reported, and its wall time. */
export interface ValidationRun {
  status: string;
  /** Wall time of the script. */
  totalSeconds: number;
  /** The report's rtoSeconds: its restore and recovery phases. */
  rtoSeconds: number | null;
  phases: { name: string; seconds: number }[];
  checks: { name: string; result: string }[];
}

export interface ValidationResult extends ValidationRun {
  bare: RestoreResult;
}

/**
 * scripts/restore-validation.sh of backup `label` from the database's repository, from a
 * cold cache. With `delta`, in that scratch directory, which the caller keeps between runs
 * and removes (--delta restores over the copy the last run left).
 */
export async function validate(
  lab: Lab,
  db: Source,
  label: string,
  delta?: { scratch: string },
): Promise<ValidationRun> {
  const scratch = delta?.scratch ?? lab.dir("validation");
  const reportFile = join(scratch, "report.json");
  const port = String(await freePort());
  const run = await lab.step(`restore-validation.sh${delta ? " --delta" : ""} of ${label}`, () => {
    lab.dropCaches();
    return timed(() =>
      db.host.run(
        [
          "bash",
          stagedForService("scripts", "restore-validation.sh"),
          "--set",
          label,
          "--scratch",
          scratch,
          "--report",
          reportFile,
          ...(delta ? ["--delta"] : []),
        ],
        { env: { VALIDATION_PORT: port }, allowFailure: true },
      ),
    );
  });
  const report = JSON.parse(readFileSync(reportFile, "utf8")) as {
    status: string;
    rtoSeconds: number | null;
    phases: { name: string; seconds: number }[];
    checks: { name: string; result: string }[];
  };
  if (!delta) lab.removeDir(scratch);
  if (report.status !== "passed")
    lab.log(`  validation ${report.status}: ${run.value.stderr.slice(-500)}`);
  return {
    status: report.status,
    totalSeconds: run.seconds,
    rtoSeconds: report.rtoSeconds,
    phases: report.phases.map((p) => ({ name: p.name, seconds: round(p.seconds) })),
    checks: report.checks.map((c) => ({ name: c.name, result: c.result })),
  };
}

export async function validation(lab: Lab): Promise<ValidationResult> {
  const db = await source(lab);
  const full = await productFull(lab);
  const bareHost = await lab.host({ repoPath: db.host.repoPath });
  let bare: RestoreResult;
  try {
    bare = await lab.step("bare restore of the full backup; start until promoted", () =>
      timedRestore(lab, bareHost, () =>
        restoreCopy(bareHost, [
          `--set=${full.label}`,
          "--type=immediate",
          "--target-action=promote",
        ]),
      ),
    );
  } finally {
    await lab.drop(bareHost);
  }
  return { bare, ...(await validate(lab, db, full.label)) };
}
