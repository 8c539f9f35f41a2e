// verify: what a healthy deployment has, against the manifests (core/operations/verify.ts).
import type { KubeObject } from "../../core/cluster.ts";
import { verifyDeployment } from "../../core/operations/verify.ts";
import { logProgress, type Step, stepSettings } from "./step.ts";

export function verifyStep(objects: KubeObject[]): Step<"verify"> {
  return async (context) => {
    const { stanza } = context.settings;
    const result = await verifyDeployment(
      context.cluster,
      stepSettings(context),
      { objects },
      logProgress(context),
    );
    return result.problems.length === 0
      ? {
          ok: true,
          detail: `CronJobs, configuration, claims, WAL archiving (last ${result.lastArchived}) and stanza ${stanza} ok${result.noBackupYet ? "; no backup yet" : ""}`,
          data: result,
        }
      : { ok: false, detail: result.problems.join("; "), data: result };
  };
}
