// mark: a named restore point (input restore-point), for a deploy workflow to call before
// its migration; the name and where it is in WAL as outputs (core/operations/mark.ts).
import { markRestorePoint } from "../../core/operations/mark.ts";
import { logProgress, type Step, stepSettings } from "./step.ts";

export const markStep: Step<"mark"> = async (context) => {
  const { cluster, inputs } = context;
  const mark = await markRestorePoint(
    cluster,
    stepSettings(context),
    { name: inputs.restorePoint, timeoutMs: inputs.timeoutMs },
    logProgress(context),
  );
  return {
    ok: true,
    detail: `restore point ${mark.name} at ${mark.lsn} (${mark.createdAt}), WAL segment ${mark.segment} archived`,
    outputs: { "restore-point-lsn": mark.lsn },
    data: mark,
  };
};
