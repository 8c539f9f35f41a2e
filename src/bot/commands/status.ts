// /backup status: what an on-call person wants first — how far back and how recently a
// restore can reach, the last backup of each type, the last validation, WAL archiving.
import { archivingFailing } from "../../core/database.ts";
import { mib } from "../../core/names/formats.ts";
import { BACKUP_TYPES } from "../../core/names/kinds.ts";
import { type LastValidation, readStatus } from "../../core/operations/status.ts";
import { repoOf } from "../../core/pgbackrest/info.ts";
import type { RecoveryWindow } from "../../core/recovery-window.ts";
import type { WindowGuarantee } from "../../core/retention.ts";
import { isoUtc } from "../../core/time.ts";
import { code, text } from "../status-comment.ts";
import type { CommandContext } from "./context.ts";
import { operate } from "./job.ts";

function validationLine(last: LastValidation): string {
  if (last.kind === "unreadable") return `❔ could not read the validation Jobs: ${text(last.why)}`;
  if (last.kind === "none")
    return "no finished validation Job in the cluster (finished Jobs are removed after their history limit); run `/restore validate`";
  if (last.kind === "no-report")
    return `❌ Job ${code(last.job)} (${text(last.createdAt)}) left no report: ${text(last.outcome)}`;
  const { report } = last;
  const icon = report.status === "passed" ? "✅" : "❌";
  const detail =
    report.status === "passed"
      ? `backup ${code(report.backup?.label ?? "?")}, ${report.checks.length} checks, RTO ${report.rtoSeconds?.toFixed(0)} s`
      : text(report.reason ?? "see the Job's log");
  return `${icon} ${text(report.status)} (${text(last.createdAt)}, Job ${code(last.job)}): ${detail}`;
}

/** What retention guarantees, beside how far back the window reaches (one repository: one line). */
function guaranteeLines(guarantees: WindowGuarantee[]): string[] {
  const reach = (g: WindowGuarantee, whose: string) =>
    `${g.says}; ${whose} reaches back ${g.reachesBackDays === undefined ? "nowhere yet (no backup)" : `${g.reachesBackDays} days`}`;
  const [only] = guarantees;
  if (!only) return [];
  if (guarantees.length === 1)
    return [`- **Guaranteed window:** ${reach(only, "the window above")}`];
  return ["- **Guaranteed window:**", ...guarantees.map((g) => `  - ${reach(g, "its window")}`)];
}

/**
 * The window, or why there is none. Right after the first backup its end (the newest WAL
 * archived) is before its start: no WAL written after the backup is in the repository yet,
 * so no time can be restored to, though the backup itself can.
 */
function windowLine(window: RecoveryWindow | undefined): string {
  if (!window) return "- **Recovery window:** none — there is no valid backup; run `/backup full`";
  if (Date.parse(window.end) < Date.parse(window.start))
    return `- **Recovery window:** none yet — the newest WAL in the repository (${window.end}) is older than the oldest backup's end; a restore to a time from ${window.start} on can be planned once WAL written after it is archived (within archive_timeout). Until then \`/restore latest\` restores the newest backup`;
  return `- **Recovery window:** ${window.start} → ${window.end} (a point-in-time restore can reach any moment in it)`;
}

export async function statusCommand(context: CommandContext): Promise<string> {
  const name = context.stanza;
  const status = await operate(context, readStatus);
  const { stanza, window, windows, archiver, repositories: repos } = status;
  const lines = [
    `- **Stanza ${code(name)}:** ${text(stanza.status.message)} (code ${stanza.status.code})`,
    // With one healthy repository its line says nothing the stanza's does not.
    ...(repos.length > 1 || repos.some((r) => !r.ok)
      ? repos.map(
          (r) =>
            `- **repo${r.repo}** (${r.cipher === "none" ? "not encrypted" : text(r.cipher)}): ${r.ok ? "✅" : "❌"} ${text(r.message)}`,
        )
      : []),
    windowLine(window),
    ...(windows.length > 1 ? windows.map((w) => `  - repo${w.repo}: ${w.start} → ${w.end}`) : []),
    ...guaranteeLines(status.guarantees),
    "",
    "| Type | Last backup | Ended | Took | Database | Stored | Repo |",
    "|---|---|---|---|---|---|---|",
  ];
  const backups = status.backups;
  const repoKeys = repos.map((r) => r.repo);
  for (const type of BACKUP_TYPES) {
    const ofType = backups.filter((b) => b.type === type);
    if (ofType.length === 0) lines.push(`| ${type} | none | | | | | |`);
    for (const repo of repoKeys) {
      const last = ofType.filter((b) => repoOf(b) === repo).at(-1);
      if (last)
        lines.push(
          `| ${type} | ${code(last.label).replace(/\|/g, "\\|")} | ${isoUtc(last.timestamp.stop * 1000)} | ${last.timestamp.stop - last.timestamp.start} s | ${mib(last.info.size)} | ${mib(last.info.repository.delta)} | repo${repo} |`,
        );
    }
  }
  const failing = archivingFailing(archiver);
  lines.push(
    "",
    `- **Marks:** ${status.marks.length ? status.marks.map((m) => `${code(m.name)} (${text(m.createdAt)})`).join(", ") : "none in the recovery window (`/backup mark <name>` makes one)"}`,
    `- **Clones:** ${status.clones.length ? status.clones.map((c) => `${code(c.id)} holds ${text(c.point)}, until ${text(c.expiresAt)}`).join("; ") : "none"}`,
    `- **Last validation:** ${validationLine(status.lastValidation)}`,
    `- **WAL archiving:** ${failing ? "❌ failing" : "✅ working"} — last archived ${code(archiver.lastArchivedWal || "none")} at ${text(archiver.lastArchivedTime || "never")}; ${archiver.failedCount} failures${archiver.lastFailedWal ? `, last ${code(archiver.lastFailedWal)} at ${text(archiver.lastFailedTime)}` : ""}`,
  );
  return lines.join("\n");
}
