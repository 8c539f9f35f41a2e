// The demo's closing summary: what ran and how long it took, what the repository holds,
// how far back it can restore, and whether the story's promises held.
import { mib } from "../../core/names/formats.ts";
import type { StoryResult } from "./story.ts";

/**
 * Whether the story kept its promises: the validation passed, the dropped table came back
 * whole, and no write made after the mark was lost.
 */
export function storyPassed(result: StoryResult): boolean {
  return (
    result.validation.status === "passed" &&
    !result.policiesAfterMistake &&
    result.policiesRestored === result.policiesBefore &&
    result.laterWritesKept === result.laterWritesMade
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
    `Table back from mark ${result.mark}: governance_policies had ${result.policiesBefore} rows, was dropped, and came back with ${result.policiesRestored} (copied as ${result.restoredAs}, then put in its place)`,
    `Production was never stopped or rewound: ${result.laterWritesKept} of the ${result.laterWritesMade} writes made after the mark are there`,
    "",
    storyPassed(result)
      ? "PASS: the backups restore (validated), and the mistake was undone without losing a write"
      : "FAIL: see the steps above",
    `Wall time: ${wallSeconds.toFixed(1)}s`,
  );
  return lines.join("\n");
}
