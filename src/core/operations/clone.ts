// clone: a temporary PostgreSQL restored to a planned point (operations/restore-plan.ts),
// beside production and never touching it: its own claim, restored and recovered by a
// Job with the pgBackRest client, then served by a pod with no access to the repository
// and archiving off, behind a NetworkPolicy, gone when its time is up. Expired clones are
// removed first; a clone that fails to come up is removed, not left half-made.
import {
  type CloneInfo,
  type CloneSpec,
  cloneDatabase,
  cloneHost,
  cloneId,
  cloneName,
  cloneObjects,
  cloneRestoreJob,
  cloneServerTemplate,
  deleteClone,
  listClones,
  ownedByRestoreJob,
  reapExpiredClones,
  secondsUntil,
} from "../clone-objects.ts";
import type { Cluster, KubeObject } from "../cluster.ts";
import { runJobToCompletion } from "../jobs.ts";
import { podSpecOf } from "../manifests/pod.ts";
import { workloadText } from "../names/kinds.ts";
import { CLONE_LABEL, COMPONENT, COMPONENT_LABEL } from "../names/labels.ts";
import { POSTGRES, POSTGRES_WORKLOAD } from "../names/objects.ts";
import type { Progress } from "../progress.ts";
import { VALIDATION_CRONJOB } from "../schedules.ts";
import type { Settings } from "../settings.ts";
import { isoUtcSecond } from "../time.ts";
import { UserError } from "../user-error.ts";
import { reportFromLog, type ValidationReport } from "../validation-report.ts";
import { checkPoint, type PointRequest, planRestore, type RestorePlan } from "./restore-plan.ts";

export interface CloneRequest {
  id: string;
  /** Where to restore to, as planRestore fixed it. */
  plan: RestorePlan;
  /** Restore only this database (and the system ones): pgBackRest's --db-include. */
  database?: string;
  ttlMs: number;
  annotations: Record<string, string>;
  timeoutMs: number;
}

export interface CloneResult {
  id: string;
  /** The Service (and every other object's) name. */
  name: string;
  namespace: string;
  /** Where a pod in the cluster connects (port 5432): the Service qualified with the namespace. */
  host: string;
  /** What the clone holds, as its annotation says. */
  point: string;
  expiresAt: string;
  database?: string;
  /** The restore Job's report: the set used, the timeline, when recovery stopped, the checks. */
  report: ValidationReport & { recovery?: { recoveredTo: string | null; timeline: number | null } };
}

/** What the clone holds, in words: the mark, the newest state, or the time. */
export function pointText(plan: RestorePlan): string {
  if (plan.mark) return `mark ${plan.mark} (${plan.target})`;
  if (plan.latest) return `the newest state (${plan.target})`;
  return plan.target;
}

/** scripts/restore-validation.sh's arguments for the plan: the set, repository, target, timeline. */
function restoreArgs(plan: RestorePlan, database: string | undefined): string[] {
  const args = [`--set=${plan.backupLabel}`, `--repo=${plan.backupRepo}`];
  if (plan.mark) args.push(`--mark=${plan.mark}`, `--target-timeline=${plan.timeline}`);
  else if (plan.latest) args.push("--latest");
  else args.push(`--target=${plan.target}`, `--target-timeline=${plan.timeline}`);
  if (database) args.push(`--db-include=${database}`);
  return args.flatMap((arg) => {
    // The script reads "--option value", as a person types it.
    const at = arg.indexOf("=");
    return at < 0 ? [arg] : [arg.slice(0, at), arg.slice(at + 1)];
  });
}

/** Production's image and claim, which the clone copies. */
async function production(cluster: Cluster, namespace: string) {
  const statefulSet = await cluster.get("StatefulSet", namespace, POSTGRES.statefulSet);
  const claim = await cluster.get("PersistentVolumeClaim", namespace, POSTGRES.claim);
  const containers = statefulSet && podSpecOf(statefulSet)?.containers;
  const image = containers?.find((c) => c.name === POSTGRES.container)?.image;
  if (!image || !claim)
    throw new UserError(
      `${workloadText(POSTGRES_WORKLOAD)} or its claim ${POSTGRES.claim} not found in ${namespace}; deploy the manifests first`,
    );
  const spec = claim.spec as {
    resources?: { requests?: { storage?: string } };
    storageClassName?: string;
  };
  return {
    image,
    storage: spec.resources?.requests?.storage ?? "20Gi",
    storageClassName: spec.storageClassName,
  };
}

export async function createClone(
  cluster: Cluster,
  settings: Settings,
  request: CloneRequest,
  progress: Progress,
): Promise<CloneResult> {
  const { namespace } = settings;
  const id = cloneId(request.id);
  if (request.database) cloneDatabase(request.database);
  // The templates first: without them nothing is touched, not even an expired clone.
  const cronJob = await cluster.get("CronJob", namespace, VALIDATION_CRONJOB);
  if (!cronJob)
    throw new UserError(
      `CronJob ${VALIDATION_CRONJOB} not found in ${namespace}; deploy the manifests first`,
    );
  const serverTemplate = await cloneServerTemplate(cluster, namespace);
  await progress("remove expired clones", () => reapExpiredClones(cluster, namespace));
  if ((await listClones(cluster, namespace)).some((c) => c.id === id))
    throw new UserError(`Clone ${id} exists already; drop it first, or choose another id.`);
  const spec: CloneSpec = {
    id,
    expiresAt: isoUtcSecond(Date.now() + request.ttlMs),
    point: pointText(request.plan),
    ...(await production(cluster, namespace)),
  };
  const objects = cloneObjects(spec, serverTemplate);
  const inNamespace = (object: KubeObject) => {
    object.metadata.namespace = namespace;
    object.metadata.annotations = { ...object.metadata.annotations, ...request.annotations };
    return object;
  };
  try {
    const job = inNamespace(
      cloneRestoreJob(cronJob, spec, restoreArgs(request.plan, request.database), {}),
    );
    // The restore Job first, its pod waiting for the claim: the claim is then made owned by
    // it, so that the clone's data goes when the Job does, at the clone's expiry, even
    // with no bot or Action left (no right to change a claim afterwards is needed).
    const restoreJob = await progress(`start the restore (Job ${job.metadata.name})`, () =>
      cluster.create(job),
    );
    await progress(`claim ${cloneName(id)} (${spec.storage})`, () =>
      cluster.create(ownedByRestoreJob(inNamespace(objects.claim), restoreJob)),
    );
    const run = await progress(`restore and recover to ${spec.point}`, () =>
      runJobToCompletion(cluster, job, request.timeoutMs, "the clone's restore"),
    );
    const report = reportFromLog(run.logs);
    if (!report) throw new Error(`Job ${job.metadata.name} completed but left no report`);
    await progress(`start the clone (until ${spec.expiresAt})`, async () => {
      await cluster.create(ownedByRestoreJob(inNamespace(objects.policy), restoreJob));
      await cluster.create(ownedByRestoreJob(inNamespace(objects.service), restoreJob));
      // The server stops itself when its time is up, whoever is still around.
      const seconds = secondsUntil(spec.expiresAt);
      (objects.server.spec as { activeDeadlineSeconds: number }).activeDeadlineSeconds = seconds;
      await cluster.create(inNamespace(objects.server));
      // The server's pod; the restore Job's pod carries the id too, as a restore.
      const pod = { [CLONE_LABEL]: id, [COMPONENT_LABEL]: COMPONENT.clone };
      await cluster.waitForPodsReady(namespace, pod, request.timeoutMs);
    });
    return {
      id,
      name: cloneName(id),
      namespace,
      host: cloneHost(id, namespace),
      point: spec.point,
      expiresAt: spec.expiresAt,
      ...(request.database ? { database: request.database } : {}),
      report,
    };
  } catch (error) {
    await progress(`remove the clone that did not come up`, () =>
      deleteClone(cluster, namespace, id),
    ).catch(() => {});
    throw error;
  }
}

/**
 * A clone's arguments (its id when a person chose it, its database and point), checked
 * before anything is asked of the cluster; the bot checks a command with it before
 * recording it.
 */
export function checkCloneRequest(
  request: Pick<CloneRequest, "database"> & Partial<Pick<CloneRequest, "id">> & PointRequest,
): void {
  if (request.id !== undefined) cloneId(request.id);
  if (request.database !== undefined) cloneDatabase(request.database);
  checkPoint(request);
}

/** A clone of the point a person named: planned first (window, backup set, timeline), then made. */
export async function cloneAtPoint(
  cluster: Cluster,
  settings: Settings,
  request: Omit<CloneRequest, "plan"> & PointRequest,
  progress: Progress,
): Promise<CloneResult> {
  checkCloneRequest(request);
  const { time, assumeUtc, ...clone } = request;
  const plan = await planRestore(cluster, settings, { time, assumeUtc }, progress);
  return createClone(cluster, settings, { ...clone, plan }, progress);
}

export async function dropClone(
  cluster: Cluster,
  settings: Settings,
  id: string,
  progress: Progress,
): Promise<string[]> {
  const { namespace } = settings;
  const removed = await progress(`remove clone ${cloneId(id)}`, () =>
    deleteClone(cluster, namespace, id),
  );
  if (removed.length === 0) {
    const clones = await listClones(cluster, namespace);
    throw new UserError(
      `There is no clone ${id}. ${clones.length ? `Clones: ${clones.map(describeClone).join(", ")}.` : "There are no clones."}`,
    );
  }
  return removed;
}

export function describeClone(clone: CloneInfo): string {
  return `${clone.id} (${clone.point}, until ${clone.expiresAt})`;
}
