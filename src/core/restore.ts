// The seed's restore procedure, for the newest state or a point in time: stop PostgreSQL,
// run the restore Job of manifests/restore/ against its data volume, start PostgreSQL and
// wait until it has recovered and accepts writes.
import type { Cluster, KubeObject } from "./cluster.ts";
import { MCPGOV_DATABASE, waitWritable } from "./database.ts";
import { type JobRun, runJob } from "./jobs.ts";

export interface RestorePlan {
  /** The restore Job (pgbackrest-restore-job.yaml or pgbackrest-restore-pitr-job.yaml). */
  job: KubeObject;
  /** For a point-in-time restore: the target, with its zone ("2024-01-15 14:30:00+00"). */
  target?: string;
  timeoutMs: number;
}

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

/**
 * Runs the whole procedure. A failed restore stops there, PostgreSQL down and the Job
 * kept for its log; a completed one is deleted so its name is free for the next restore.
 */
export async function restoreDatabase(cluster: Cluster, plan: RestorePlan): Promise<JobRun> {
  const { namespace } = MCPGOV_DATABASE;
  const job = restoreJobFor(plan.job, plan.target);
  await cluster.scale(namespace, "StatefulSet", "postgres", 0);
  const run = await runJob(cluster, job, plan.timeoutMs);
  if (run.result.outcome !== "Complete") return run;
  await cluster.delete("Job", namespace, job.metadata.name);
  await cluster.scale(namespace, "StatefulSet", "postgres", 1);
  await cluster.waitForPodsReady(namespace, { app: "postgres" }, plan.timeoutMs);
  await waitWritable(cluster, plan.timeoutMs);
  return run;
}
