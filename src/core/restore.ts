// The restore Jobs of manifests/restore/, made for one restore (operations/restore.ts
// carries the restore out).
import type { KubeObject } from "./cluster.ts";

interface JobWithEnv {
  spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
}

/** The restore Job with RESTORE_TARGET set; refuses a target for a Job that has none. */
export function restoreJobFor(job: KubeObject, target?: string): KubeObject {
  const copy = structuredClone(job);
  if (target === undefined) return copy;
  const variable = (copy as unknown as JobWithEnv).spec.template.spec.containers[0]?.env?.find(
    (e) => e.name === "RESTORE_TARGET",
  );
  if (!variable)
    throw new Error(
      `restore Job ${job.metadata.name} takes no target (no RESTORE_TARGET); use the point-in-time restore Job`,
    );
  variable.value = target;
  return copy;
}
