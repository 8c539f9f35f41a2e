// /backup status: what an on-call person wants first — how far back and how recently a
// restore can reach, the last backup of each type, the last validation, WAL archiving.
import type { KubeObject } from "../../core/cluster.ts";
import { archiverStatus } from "../../core/database.ts";
import { repoOf, validBackups } from "../../core/pgbackrest/info.ts";
import {
  iso,
  recoveryWindow,
  recoveryWindows,
  repositories,
  stanzaInfo,
} from "../../core/repository.ts";
import { reportFromLog } from "../../core/validation-report.ts";
import { code } from "../status-comment.ts";
import { mib } from "./backup.ts";
import { type CommandContext, databaseOf } from "./context.ts";

function finished(job: KubeObject): string | undefined {
  const status = job.status as { conditions?: { type: string; status: string }[] } | undefined;
  return status?.conditions?.find(
    (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  )?.type;
}

async function lastValidation(context: CommandContext): Promise<string> {
  const { cluster, namespace } = context;
  const jobs = (
    await cluster.list("Job", namespace, { "app.kubernetes.io/component": "restore-validation" })
  )
    .filter((j) => finished(j))
    .sort((a, b) =>
      (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""),
    );
  const job = jobs.at(-1);
  if (!job)
    return "no finished validation Job in the cluster (finished Jobs are removed after their history limit); run `/restore validate`";
  const report = reportFromLog(await cluster.logs(namespace, `job/${job.metadata.name}`));
  const when = job.metadata.creationTimestamp ?? "?";
  if (!report)
    return `❌ Job ${code(job.metadata.name)} (${when}) left no report: ${finished(job)}`;
  const icon = report.status === "passed" ? "✅" : "❌";
  const detail =
    report.status === "passed"
      ? `backup ${code(report.backup?.label ?? "?")}, ${report.checks.length} checks, RTO ${report.rtoSeconds?.toFixed(0)} s`
      : (report.reason ?? "see the Job's log");
  return `${icon} ${report.status} (${when}, Job ${code(job.metadata.name)}): ${detail}`;
}

export async function statusCommand(context: CommandContext): Promise<string> {
  const { cluster, namespace, stanza: name } = context;
  const stanza = await context.comment.step("read the repository (pgbackrest info)", () =>
    stanzaInfo(cluster, namespace, name),
  );
  const archiver = await context.comment.step("read WAL archiving (pg_stat_archiver)", () =>
    archiverStatus(cluster, databaseOf(context)),
  );
  const validation = await context.comment.step("find the last restore validation", () =>
    lastValidation(context),
  );
  const window = recoveryWindow(stanza, archiver.lastArchivedTime);
  const repos = repositories(stanza);
  const windows = recoveryWindows(stanza, archiver.lastArchivedTime);
  const lines = [
    `- **Stanza ${code(name)}:** ${stanza.status.message} (code ${stanza.status.code})`,
    // With one healthy repository its line says nothing the stanza's does not.
    ...(repos.length > 1 || repos.some((r) => !r.ok)
      ? repos.map(
          (r) =>
            `- **repo${r.repo}** (${r.cipher === "none" ? "not encrypted" : r.cipher}): ${r.ok ? "✅" : "❌"} ${r.message}`,
        )
      : []),
    window
      ? `- **Recovery window:** ${window.start} → ${window.end} (a point-in-time restore can reach any moment in it)`
      : "- **Recovery window:** none — there is no valid backup; run `/backup full`",
    ...(windows.length > 1 ? windows.map((w) => `  - repo${w.repo}: ${w.start} → ${w.end}`) : []),
    "",
    "| Type | Last backup | Ended | Took | Database | Stored | Repo |",
    "|---|---|---|---|---|---|---|",
  ];
  const backups = validBackups(stanza);
  const repoKeys = repos.map((r) => r.repo);
  for (const type of ["full", "diff", "incr"] as const) {
    const ofType = backups.filter((b) => b.type === type);
    if (ofType.length === 0) lines.push(`| ${type} | none | | | | | |`);
    for (const repo of repoKeys) {
      const last = ofType.filter((b) => repoOf(b) === repo).at(-1);
      if (last)
        lines.push(
          `| ${type} | ${code(last.label)} | ${iso(last.timestamp.stop)} | ${last.timestamp.stop - last.timestamp.start} s | ${mib(last.info.size)} | ${mib(last.info.repository.delta)} | repo${repo} |`,
        );
    }
  }
  const failing = archiver.failedCount > 0 && archiver.lastFailedTime > archiver.lastArchivedTime;
  lines.push(
    "",
    `- **Last validation:** ${validation}`,
    `- **WAL archiving:** ${failing ? "❌ failing" : "✅ working"} — last archived ${code(archiver.lastArchivedWal || "none")} at ${archiver.lastArchivedTime || "never"}; ${archiver.failedCount} failures${archiver.lastFailedWal ? `, last ${code(archiver.lastFailedWal)} at ${archiver.lastFailedTime}` : ""}`,
  );
  return lines.join("\n");
}
