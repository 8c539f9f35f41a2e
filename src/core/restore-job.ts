// The restore Jobs, made for one restore from their templates as the cluster holds them:
// the suspended CronJobs of manifests/restore/, rewritten by the overlay (operations/
// restore.ts carries the restore out).
import type { Cluster, KubeObject } from "./cluster.ts";
import { jobFromTemplate, templateCronJob } from "./jobs.ts";
import { podSpecOf } from "./manifests/pod.ts";
import { RESTORE_TEMPLATES } from "./names/objects.ts";

/** What a plan fixes, so that the restore cannot drift from it (a set expired, a newer timeline). */
export interface RestorePins {
  /** The stanza the plan read. */
  stanza: string;
  /** The backup set, and the repository that holds it. */
  set: string;
  repo: number;
  /** The timeline recovery follows to the target; none for the newest state (its end). */
  timeline?: number;
}

/** A point to restore to: a time (pgBackRest's --type=time), or a mark's name (--type=name). */
export type RestoreTarget = string | { mark: string };

/**
 * The restore Job with RESTORE_TARGET set and the plan's pins added before the command;
 * refuses a target for a Job that has none.
 */
export function restoreJobFor(
  job: KubeObject,
  target?: RestoreTarget,
  pins?: RestorePins,
): KubeObject {
  const copy = structuredClone(job);
  const container = podSpecOf(copy)?.containers[0];
  if (typeof target === "object") {
    // Recovery stops at the named point instead of a time: the same Job, --type=name.
    const at = container?.args?.indexOf("--type=time") ?? -1;
    if (!container?.args || at < 0)
      throw new Error(`restore Job ${job.metadata.name} takes no target (no --type=time)`);
    container.args[at] = "--type=name";
  }
  if (pins) {
    const args = container?.args ?? [];
    const at = args.indexOf("restore");
    if (!container || at < 0)
      throw new Error(`restore Job ${job.metadata.name} does not run pgbackrest restore`);
    const pinned = [
      `--stanza=${pins.stanza}`,
      `--repo=${pins.repo}`,
      `--set=${pins.set}`,
      ...(pins.timeline === undefined ? [] : [`--target-timeline=${pins.timeline}`]),
    ];
    container.args = [...args.slice(0, at), ...pinned, ...args.slice(at)];
  }
  if (target === undefined) return copy;
  const variable = container?.env?.find((e) => e.name === "RESTORE_TARGET");
  if (!variable)
    throw new Error(
      `restore Job ${job.metadata.name} takes no target (no RESTORE_TARGET); use the point-in-time restore Job`,
    );
  variable.value = typeof target === "object" ? target.mark : target;
  return copy;
}

export interface RestoreJobRequest {
  /** The Job's name: found again when the restore is asked for again. */
  name: string;
  /** pgBackRest's --target; absent (and no mark): the newest state. */
  target?: string;
  /** A mark to restore to exactly (--type=name). */
  mark?: string;
  pins?: RestorePins;
  annotations: Record<string, string>;
}

/**
 * The restore Job, as `kubectl create job --from=cronjob/...` makes it from the template
 * the cluster holds (the point-in-time one for a target or a mark, else the newest
 * state's), with the target and the pins set. The template is the overlay's, so the Job
 * runs its image, in its namespace, with its labels and env patches.
 */
export async function restoreJobFromCluster(
  cluster: Cluster,
  namespace: string,
  request: RestoreJobRequest,
): Promise<KubeObject> {
  const { target, mark } = request;
  const newest = target === undefined && mark === undefined;
  const name = newest ? RESTORE_TEMPLATES.newest : RESTORE_TEMPLATES.pointInTime;
  const template = await templateCronJob(cluster, namespace, name, "the restore Job");
  // Its Job stays for the record of the plan, whatever becomes of the template.
  const job = jobFromTemplate(template, request.name, request.annotations);
  // The template's namespace, if it names none, is this database's.
  job.metadata.namespace = namespace;
  return restoreJobFor(job, mark === undefined ? target : { mark }, request.pins);
}
