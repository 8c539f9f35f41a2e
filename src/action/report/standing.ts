// Where the database stands after the run, for the ops issue: the recovery window, the
// last good backup and the last validation, read with the status operation's own code.
// Best-effort: a cluster that cannot say gives "unknown (why)", never a failed report.
import type { Cluster } from "../../core/cluster.ts";
import { readStatus, type StatusResult } from "../../core/operations/status.ts";
import { repoOf } from "../../core/pgbackrest/info.ts";
import type { Settings } from "../../core/settings.ts";

export interface Standing {
  recoveryWindow: string;
  lastBackup: string;
  lastValidation: string;
}

function iso(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}

export function standingOf(status: StatusResult): Standing {
  const { window, backups, lastValidation: last } = status;
  const newest = backups.at(-1);
  const lastValidation = {
    none: () => "none left in the cluster (validation Jobs are removed after their history limit)",
    unreadable: () => `unknown (${last.kind === "unreadable" ? last.why : ""})`,
    "no-report": () =>
      last.kind === "no-report"
        ? `job/${last.job} of ${last.createdAt} left no report (${last.outcome})`
        : "",
    report: () =>
      last.kind === "report"
        ? `${last.report.status} on ${last.createdAt} (job/${last.job}${last.report.backup ? `, backup ${last.report.backup.label}` : ""})`
        : "",
  }[last.kind]();
  return {
    recoveryWindow: window ? `${window.start} → ${window.end}` : "none: no valid backup",
    lastBackup: newest
      ? `${newest.label} (${newest.type}, repo${repoOf(newest)}, ended ${iso(newest.timestamp.stop)})`
      : "none",
    lastValidation,
  };
}

/** What the cluster says now, or why it cannot be told. */
export async function readStanding(cluster: Cluster, settings: Settings): Promise<Standing> {
  try {
    return standingOf(await readStatus(cluster, settings, (_step, work) => work()));
  } catch (error) {
    const why = `unknown (${error instanceof Error ? error.message : String(error)})`;
    return { recoveryWindow: why, lastBackup: why, lastValidation: why };
  }
}
