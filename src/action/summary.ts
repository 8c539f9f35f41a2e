// The job summary: a table of what each step did, and the backups and the recovery
// window on a time line (GitHub renders Mermaid).
import type { AnyStepResult, StepResult } from "./steps/step.ts";

/**
 * Text from the cluster in a table cell, shown as text: HTML is escaped, and so is every
 * character that would start Markdown (a link, an image, emphasis, code, a cell's end).
 */
function cell(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replace(/[\\`*_[\]~|!]/g, "\\$&")
    .replace(/\r\n|\r|\n/g, " ");
}

const BACKUP_TYPES = new Set(["full", "diff", "incr"]);

/** A backup as a Mermaid task's name: its type and label, nothing that Mermaid would read. */
function taskName(type: string, label: string): string {
  return `${BACKUP_TYPES.has(type) ? type : "backup"} ${label.replace(/[^\w-]/g, "_")}`;
}

function mermaidTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19);
}

export function renderSummary(
  results: AnyStepResult[],
  /** What the run says beside its steps: the credential's warnings, the report to the ops issue. */
  notes: string[] = [],
): string {
  const lines = ["## mcpgov-backup", "", "| step | result | detail | time |", "|---|---|---|---|"];
  for (const r of results) {
    lines.push(
      `| ${r.name} | ${r.ok ? "✅ ok" : "❌ failed"} | ${cell(r.detail)} | ${r.seconds.toFixed(1)}s |`,
    );
  }
  for (const note of notes) lines.push("", `> ${cell(note)}`);
  for (const r of results.filter((r) => r.diagnostics)) {
    const text = (r.diagnostics ?? "").replaceAll("```", "'''");
    lines.push(
      "",
      `<details><summary>${r.name}: what failed</summary>`,
      "",
      "```",
      text,
      "```",
      "",
      "</details>",
    );
  }
  // The drill's phases, each with its time, and what it measured.
  const drill = results.findLast((r): r is StepResult<"drill"> => r.name === "drill")?.data;
  if (drill) {
    lines.push(
      "",
      `### Drill in ${cell(drill.namespace)}: ${drill.status}`,
      "",
      "| phase | result | time |",
      "|---|---|---|",
    );
    for (const p of drill.phases)
      lines.push(`| ${cell(p.name)} | ${p.ok ? "✅" : "❌"} | ${p.seconds.toFixed(1)}s |`);
    const figure = (seconds: number | null, unknown = "not reached") =>
      seconds === null ? cell(unknown) : `${seconds}s`;
    lines.push(
      "",
      `RTO ${figure(drill.rtoSeconds)}, RPO ${figure(drill.rpoSeconds, drill.rpoUnknown ?? "unknown")}; ${drill.leftBehind.length ? `left behind: ${cell(drill.leftBehind.join(", "))}` : `removed everything it made (${drill.removed.length} objects)`}; ${cell(drill.metrics.detail)}.`,
    );
  }
  // The last status step's findings: what the repository held when the run ended.
  const status = results.findLast((r): r is StepResult<"status"> => r.name === "status")?.data;
  if (status && status.backups.length > 0) {
    const { backups, recoveryWindow } = status;
    lines.push(
      "",
      "```mermaid",
      "gantt",
      "  title Backups and recovery window (UTC)",
      "  dateFormat YYYY-MM-DDTHH:mm:ss",
      "  axisFormat %m-%d %H:%M",
    );
    // One section per repository, so that the volume's and the bucket's backups read apart.
    for (const repo of [...new Set(backups.map((b) => b.repo))].sort()) {
      lines.push(`  section Backups repo${repo}`);
      for (const b of backups.filter((b) => b.repo === repo)) {
        // A bar needs some width to be seen: at least a minute.
        lines.push(
          `  ${taskName(b.type, b.label)} :done, ${mermaidTime(b.start)}, ${mermaidTime(Math.max(b.stop, b.start + 60))}`,
        );
      }
    }
    const from = Date.parse(recoveryWindow.start) / 1000;
    const to = Math.max(Date.parse(recoveryWindow.end) / 1000, from + 60);
    lines.push(
      "  section Restorable",
      `  any point in time :active, ${mermaidTime(from)}, ${mermaidTime(to)}`,
    );
    // The window retention guarantees, ending where the actual one ends: it should lie inside it.
    for (const g of status.guarantees) {
      if (g.days === undefined) continue;
      lines.push(
        `  guaranteed repo${g.repo} (${g.days} days) :crit, ${mermaidTime(to - g.days * 86_400)}, ${mermaidTime(to)}`,
      );
    }
    lines.push("```");
    for (const g of status.guarantees)
      lines.push(
        "",
        `Guaranteed window: ${cell(g.says)}; the actual one reaches back ${g.reachesBackDays ?? 0} days.`,
      );
  }
  return `${lines.join("\n")}\n`;
}
