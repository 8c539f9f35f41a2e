// /backup mark <name>: a named restore point in production, its WAL archived before the
// bot answers (core/operations/mark.ts), under the lock like a backup.
import { markRestorePoint } from "../../core/operations/mark.ts";
import { code } from "../status-comment.ts";
import { type CommandContext, timeoutMs } from "./context.ts";
import { operate } from "./job.ts";

export async function markCommand(context: CommandContext, name: string): Promise<string> {
  const mark = await operate(context, (cluster, settings, progress) =>
    markRestorePoint(cluster, settings, { name, timeoutMs: timeoutMs(context) }, progress),
  );
  return `🔖 restore point ${code(mark.name)} at ${code(mark.lsn)} (${mark.createdAt}); WAL segment ${code(mark.segment)} is in the repository, so a restore can return to exactly this point`;
}
