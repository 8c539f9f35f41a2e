// The demo's closing summary: what ran, how long it took, what the repository holds.
import { validBackups } from "../core/pgbackrest/info.ts";
import type { FirstRunResult } from "./first-run.ts";

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function utc(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(".000Z", "Z");
}

export function renderFirstRunSummary(result: FirstRunResult, wallSeconds: number): string {
  const lines = ["", "Summary", "-------"];
  for (const step of result.steps)
    lines.push(`${step.seconds.toFixed(1).padStart(6)}s  ${step.name}`);
  lines.push("", "Backups in the repository:");
  for (const b of validBackups(result.stanza)) {
    const took = b.timestamp.stop - b.timestamp.start;
    lines.push(
      `  ${b.type.padEnd(4)} ${b.label}  ${took}s  database ${mib(b.info.size)}, stored ${mib(b.info.repository.delta)}`,
    );
  }
  const backups = validBackups(result.stanza);
  const archive = result.stanza.archive[0];
  if (backups[0] && archive?.max) {
    lines.push(
      `Recovery window: from ${utc(backups[0].timestamp.stop)} (end of the oldest backup) to WAL ${archive.max}`,
    );
  }
  const verdict =
    result.rowsRestored === result.rowsBeforeFull
      ? `PASS: the restored full backup holds exactly the ${result.rowsBeforeFull} rows committed before it`
      : `FAIL: the restored full backup holds ${result.rowsRestored} rows, expected ${result.rowsBeforeFull}`;
  lines.push("", verdict, `Wall time: ${wallSeconds.toFixed(1)}s`);
  return lines.join("\n");
}
