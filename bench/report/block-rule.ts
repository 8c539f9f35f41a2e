// When block incremental wins over file-level incremental, on the skewed day of the
// scaling suite (a hot set plus appends), both measured like with like: repositories of
// their own, neither with the archive check.
import type { ScalingPoint } from "../suites/scaling.ts";

/** Block incremental is adopted if at every size it stores at most 0.7× the bytes in at most 1.1× the time. */
export const BLOCK_RULE = { maxBytes: 0.7, maxTime: 1.1 } as const;

export interface BlockSize {
  sizeGb: number;
  fileLevel: { seconds: number; bytes: number };
  block: { seconds: number; bytes: number };
  bytesRatio: number;
  timeRatio: number;
  wins: boolean;
}

export interface BlockVerdict {
  adopt: boolean;
  sizes: BlockSize[];
}

/** The incr of the skewed day at every size that measured it, and whether block incremental wins. */
export function judgeBlockIncremental(points: ScalingPoint[]): BlockVerdict {
  const sizes = points.flatMap((p): BlockSize[] => {
    if (!p.skewed) return [];
    const fileLevel = {
      seconds: p.skewed.fileLevel.incr.seconds,
      bytes: p.skewed.fileLevel.incr.repoBytes,
    };
    const block = { seconds: p.skewed.block.incr.seconds, bytes: p.skewed.block.incr.repoBytes };
    const bytesRatio = block.bytes / fileLevel.bytes;
    const timeRatio = block.seconds / fileLevel.seconds;
    return [
      {
        sizeGb: p.sizeGb,
        fileLevel,
        block,
        bytesRatio,
        timeRatio,
        wins: bytesRatio <= BLOCK_RULE.maxBytes && timeRatio <= BLOCK_RULE.maxTime,
      },
    ];
  });
  return { adopt: sizes.length > 0 && sizes.every((s) => s.wins), sizes };
}
