// mark: a named restore point in production (core/marks.ts), its WAL in the repository
// before it returns, so that a restore can reach it from then on.
import type { Cluster } from "../cluster.ts";
import { productionDatabase } from "../database.ts";
import { requireUnlocked } from "../lock.ts";
import { createMark, type Mark } from "../marks.ts";
import type { Progress } from "../progress.ts";
import type { Settings } from "../settings.ts";

export interface MarkRequest {
  name: string;
  timeoutMs: number;
}

export async function markRestorePoint(
  cluster: Cluster,
  settings: Settings,
  request: MarkRequest,
  progress: Progress,
): Promise<Mark & { segment: string }> {
  // A mark made while a restore rewinds production would name a moment about to vanish.
  await requireUnlocked(cluster, settings, "Mark when it has finished.");
  return progress(`mark ${request.name}; archive its WAL`, () =>
    createMark(cluster, productionDatabase(settings), request.name, request.timeoutMs),
  );
}
