// The demo's closing summary: what ran and how long it took, what the repository holds,
// how far back it can restore, and whether the story's promises held.
import type { StoryResult } from "./story.ts";

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Whether the story kept its promises: the validation passed and the dropped table came back whole. */
export function storyPassed(result: StoryResult): boolean {
  return (
    result.validation.status === "passed" &&
    !result.policiesAfterMistake &&
    result.policiesRestored === result.policiesBefore
  );
}

export function renderSummary(result: StoryResult, wallSeconds: number): string {
  const lines = ["", "Summary", "-------"];
  for (const step of result.steps)
    lines.push(`${step.seconds.toFixed(1).padStart(6)}s  ${step.name}`);
  const { backups, window } = result.status;
  lines.push("", "Backups in the repository:");
  for (const b of backups) {
    const took = b.timestamp.stop - b.timestamp.start;
    lines.push(
      `  ${b.type.padEnd(4)} ${b.label.padEnd(34)} ${String(took).padStart(3)}s  database ${mib(b.info.size)}, stored ${mib(b.info.repository.delta)}`,
    );
  }
  if (window)
    lines.push(`Recovery window: from ${window.start} to ${window.end} (the newest archived WAL)`);
  lines.push(
    "",
    `Restore validation: ${result.validation.status === "passed" ? `passed, RTO ${result.validation.rtoSeconds?.toFixed(1)} s` : `FAILED (${result.validation.reason})`}`,
    `Point-in-time restore to ${result.target}: governance_policies had ${result.policiesBefore} rows, was dropped, and came back with ${result.policiesRestored}`,
    "",
    storyPassed(result)
      ? "PASS: the backups restore (validated), and a point-in-time restore undid the mistake"
      : "FAIL: see the steps above",
    `Wall time: ${wallSeconds.toFixed(1)}s`,
  );
  return lines.join("\n");
}
