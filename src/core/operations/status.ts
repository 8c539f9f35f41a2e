// status: what an on-call person wants first, read once for both faces: each
// repository's health, the recovery window, the valid backups, WAL archiving and the
// last restore validation. The bot renders it as /backup status, the Action as its
// `status` step, outputs and summary.
import { type CloneInfo, listClones } from "../clone-objects.ts";
import type { Cluster } from "../cluster.ts";
import { type ArchiverStatus, archiverStatus, productionDatabase } from "../database.ts";
import { jobEnding } from "../jobs.ts";
import { listMarks, type Mark } from "../marks.ts";
import { COMPONENT, COMPONENT_LABEL } from "../names/labels.ts";
import { type BackupInfo, type StanzaInfo, validBackups } from "../pgbackrest/info.ts";
import type { Progress } from "../progress.ts";
import { type RecoveryWindow, recoveryWindow, recoveryWindows } from "../recovery-window.ts";
import { type RepoState, readRepository, repositories } from "../repository.ts";
import { type WindowGuarantee, windowGuarantees } from "../retention.ts";
import type { Settings } from "../settings.ts";
import { reportFromLog, type ValidationReport } from "../validation-report.ts";

export type LastValidation =
  /** No finished validation Job is left (they are removed after their history limit). */
  | { kind: "none" }
  /** The Jobs could not be listed (a kubeconfig without that right): status goes on without. */
  | { kind: "unreadable"; why: string }
  | { kind: "no-report"; job: string; createdAt: string; outcome: string }
  | { kind: "report"; job: string; createdAt: string; report: ValidationReport };

export interface StatusResult {
  stanza: StanzaInfo;
  repositories: RepoState[];
  /** Over every repository; undefined when there is no valid backup. */
  window: RecoveryWindow | undefined;
  /** Each repository's own window, repo1 first. */
  windows: (RecoveryWindow & { repo: number })[];
  /**
   * What each repository's retention guarantees, next to how far back its window reaches;
   * empty when the configuration could not be read (status goes on without).
   */
  guarantees: WindowGuarantee[];
  /** Valid backups, oldest first. */
  backups: BackupInfo[];
  archiver: ArchiverStatus;
  lastValidation: LastValidation;
  /** The marks (named restore points) inside the recovery window, oldest first. */
  marks: Mark[];
  /** The clones there are now (they hold production's data), soonest to go first. */
  clones: CloneInfo[];
}

async function lastValidation(cluster: Cluster, namespace: string): Promise<LastValidation> {
  const jobs = (
    await cluster.list("Job", namespace, { [COMPONENT_LABEL]: COMPONENT.restoreValidation })
  )
    .filter((j) => jobEnding(j))
    .sort((a, b) =>
      (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""),
    );
  const job = jobs.at(-1);
  if (!job) return { kind: "none" };
  const createdAt = job.metadata.creationTimestamp ?? "?";
  // Its pod may be gone (deleted, or its node): then there is no log to read a report from.
  const log = await cluster.logs(namespace, `job/${job.metadata.name}`).catch(() => "");
  const report = reportFromLog(log);
  return report
    ? { kind: "report", job: job.metadata.name, createdAt, report }
    : { kind: "no-report", job: job.metadata.name, createdAt, outcome: jobEnding(job) ?? "?" };
}

export async function readStatus(
  cluster: Cluster,
  settings: Settings,
  progress: Progress,
): Promise<StatusResult> {
  const look = await progress("read the repository (pgbackrest info)", () =>
    readRepository(cluster, settings.namespace, settings.stanza),
  );
  const { stanza } = look;
  const archiver = await progress("read WAL archiving (pg_stat_archiver)", () =>
    archiverStatus(cluster, productionDatabase(settings)),
  );
  const validation = await progress("find the last restore validation", () =>
    lastValidation(cluster, settings.namespace).catch(
      (error: Error): LastValidation => ({ kind: "unreadable", why: error.message }),
    ),
  );
  const marks = await progress("list the marks (named restore points)", () =>
    listMarks(cluster, productionDatabase(settings)),
  );
  const clones = await progress("list the clones", () =>
    // Without the right to list them (an older Role), status goes on without.
    listClones(cluster, settings.namespace).catch((): CloneInfo[] => []),
  );
  const window = recoveryWindow(stanza, archiver.lastArchivedTime);
  const windows = recoveryWindows(stanza, archiver.lastArchivedTime);
  const repos = [...new Set([1, ...(stanza.repo ?? []).map((r) => r.key)])].sort((a, b) => a - b);
  // An info template older than this release prints none: status goes on without.
  const retention = look.retention(repos) ?? [];
  return {
    clones,
    stanza,
    repositories: repositories(stanza),
    window,
    windows,
    guarantees: windowGuarantees(retention, windows, Date.now()),
    backups: validBackups(stanza),
    archiver,
    lastValidation: validation,
    // A mark before the oldest backup cannot be restored to any more.
    marks: window ? marks.filter((m) => m.createdAt >= window.start) : [],
  };
}
