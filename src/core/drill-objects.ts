// A disaster-recovery drill's objects: the stack of the rendered overlay (PostgreSQL, and
// the repository host when the overlay has one) moved into the drill's namespace, and the
// Job that restores the off-site copy onto PostgreSQL's claim. Every object carries the
// drill's id (label) and when it expires (annotation), so that the next drill removes what
// a killed one left. Secrets, Roles and the namespace are the administrator's: none is
// taken from the overlay, and none is ever removed.
import type { Cluster, KubeObject } from "./cluster.ts";
import { jobFromTemplate } from "./jobs.ts";
import { podSpecOf, podTemplateOf } from "./manifests/pod.ts";
import {
  COMPONENT,
  COMPONENT_LABEL,
  DRILL_LABEL,
  EXPIRES_ANNOTATION,
  PGBACKREST_LABELS,
} from "./names/labels.ts";
import { OFFSITE_REPO, OFFSITE_VALIDATION_CRONJOB, POSTGRES } from "./names/objects.ts";
import { UserError } from "./user-error.ts";

/** The kinds a drill is made of, in the order they are removed (what runs first). */
export const DRILL_KINDS = [
  "StatefulSet",
  "Job",
  "Pod",
  "Service",
  "NetworkPolicy",
  "ConfigMap",
  "ServiceAccount",
  "PersistentVolumeClaim",
] as const;

/** The overlay's kinds a drill copies: the stack and what its pods mount and run as. */
const COPIED_KINDS: ReadonlySet<string> = new Set([
  "ConfigMap",
  "ServiceAccount",
  "Service",
  "NetworkPolicy",
  "PersistentVolumeClaim",
  "StatefulSet",
]);

/** The Secrets that may write to a repository: a drill's pods never read them. */
const WRITER_SECRETS: ReadonlySet<string> = new Set([
  "pgbackrest-s3-writer",
  "pgbackrest-s3-credentials",
]);

/** A drill's id: part of its Job's name and a label value. */
export const DRILL_ID = /^[a-z0-9]{1,20}$/;

/** The Job that restores the off-site copy onto the drill's PostgreSQL claim. */
export function drillRestoreJobName(id: string): string {
  return `mcpgov-drill-${id}-restore`;
}

export interface DrillSpec {
  id: string;
  namespace: string;
  expiresAt: string;
}

export interface DrillObjects {
  /** ConfigMaps, ServiceAccounts, Services, policies, claims: applied before anything runs. */
  setting: KubeObject[];
  restoreJob: KubeObject;
  /** PostgreSQL's StatefulSet first, then the repository host's when the overlay has one. */
  workloads: KubeObject[];
}

function marked(object: KubeObject, spec: DrillSpec, annotations: Record<string, string> = {}) {
  const copy = structuredClone(object);
  copy.metadata = {
    name: object.metadata.name,
    namespace: spec.namespace,
    labels: { ...object.metadata.labels, [DRILL_LABEL]: spec.id },
    annotations: {
      ...object.metadata.annotations,
      ...annotations,
      [EXPIRES_ANNOTATION]: spec.expiresAt,
    },
  };
  const pod = podTemplateOf(copy) as { metadata?: { labels?: Record<string, string> } } | undefined;
  if (pod)
    pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, [DRILL_LABEL]: spec.id } };
  return copy;
}

type Container = {
  args?: string[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
};

/**
 * The monitoring component's sidecar beside PostgreSQL: it pushes WAL figures under the
 * stanza's name, and the drill's archiving is off on purpose.
 */
const WAL_METRICS_CONTAINER = "wal-metrics";

/**
 * No container reads a key that writes, PostgreSQL archives nothing whatever its config
 * says, and nothing reports figures under production's stanza.
 */
function neverWrites(workload: KubeObject): KubeObject {
  const spec = podSpecOf(workload) as { containers: (Container & { name: string })[] } | undefined;
  if (spec) spec.containers = spec.containers.filter((c) => c.name !== WAL_METRICS_CONTAINER);
  for (const container of (spec?.containers ?? []) as Container[]) {
    container.env = container.env?.filter(
      (e) => !WRITER_SECRETS.has(e.valueFrom?.secretKeyRef?.name ?? ""),
    );
    if (workload.metadata.name === POSTGRES.statefulSet && container.args?.includes("postgres"))
      container.args = [...container.args, "-c", "archive_mode=off"];
  }
  return workload;
}

/**
 * The drill's objects from the rendered overlay: its stack in the drill's namespace, and
 * the restore Job made from the off-site validation's CronJob (repository 2, read-only
 * key): restore, recovery and the validation's checks and assertions, the copy kept on
 * PostgreSQL's claim for the stack to open.
 */
export function drillObjects(
  overlay: KubeObject[],
  spec: DrillSpec,
  restoreArgs: string[],
  annotations: Record<string, string>,
): DrillObjects {
  const validation = overlay.find(
    (o) => o.kind === "CronJob" && o.metadata.name === OFFSITE_VALIDATION_CRONJOB,
  );
  if (!validation)
    throw new UserError(
      `the overlay has no CronJob ${OFFSITE_VALIDATION_CRONJOB}: a drill restores the off-site repository, which manifests/s3 adds (docs/s3.md)`,
    );
  const copied = overlay
    .filter((o) => COPIED_KINDS.has(o.kind))
    .map((o) => marked(o, spec, o.kind === "StatefulSet" ? annotations : {}));
  const postgres = copied.find(
    (o) => o.kind === "StatefulSet" && o.metadata.name === POSTGRES.statefulSet,
  );
  if (!postgres)
    throw new UserError(
      `the overlay has no StatefulSet ${POSTGRES.statefulSet}: a drill rebuilds the product's PostgreSQL`,
    );
  const workloads = [
    postgres,
    ...copied.filter((o) => o.kind === "StatefulSet" && o !== postgres),
  ].map(neverWrites);
  const restoreJob = marked(
    jobFromTemplate(validation, drillRestoreJobName(spec.id), annotations),
    spec,
    annotations,
  );
  restoreJob.metadata.labels = {
    ...restoreJob.metadata.labels,
    [COMPONENT_LABEL]: COMPONENT.drill,
  };
  prepareRestore(restoreJob, restoreArgs);
  return { setting: copied.filter((o) => o.kind !== "StatefulSet"), restoreJob, workloads };
}

type RestorePod = {
  spec: {
    activeDeadlineSeconds?: number;
    containers: (Container & { args?: string[] })[];
    volumes: { name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: object }[];
  };
};

/** The validation's Job restoring onto PostgreSQL's claim, kept there, pushing no verdict. */
function prepareRestore(job: KubeObject, restoreArgs: string[]): void {
  // Not one of pgBackRest's Jobs that a production restore waits for.
  for (const key of Object.keys(PGBACKREST_LABELS)) delete job.metadata.labels?.[key];
  const pod = podTemplateOf(job) as RestorePod | undefined;
  const [container] = pod?.spec.containers ?? [];
  const scratch = pod?.spec.volumes.find((v) => v.name === "scratch");
  if (!pod || !container || !scratch)
    throw new Error(`CronJob ${OFFSITE_VALIDATION_CRONJOB} has no container or scratch volume`);
  // The copy stays on the claim PostgreSQL's StatefulSet mounts: its pgdata is PGDATA there.
  delete scratch.emptyDir;
  scratch.persistentVolumeClaim = { claimName: POSTGRES.claim };
  container.args = ["--repo", String(OFFSITE_REPO), "--keep", ...restoreArgs];
  // A drill is not a validation of production: no verdict goes to Prometheus from here.
  container.envFrom = container.envFrom?.filter(
    (from) => from.configMapRef?.name !== "pgbackrest-monitoring",
  );
  container.env = container.env?.filter(
    (e) => !WRITER_SECRETS.has(e.valueFrom?.secretKeyRef?.name ?? ""),
  );
}

/** Every object of a drill in the namespace (kind/name), with its id and expiry. */
export async function listDrillObjects(
  cluster: Cluster,
  namespace: string,
): Promise<{ kind: string; name: string; id: string; expiresAt: string }[]> {
  const found = [];
  for (const kind of DRILL_KINDS)
    for (const object of await cluster.list(kind, namespace)) {
      const id = object.metadata.labels?.[DRILL_LABEL];
      if (!id) continue;
      const expiresAt = object.metadata.annotations?.[EXPIRES_ANNOTATION] ?? "";
      found.push({ kind, name: object.metadata.name, id, expiresAt });
    }
  return found;
}

/**
 * Removes the drill objects in the namespace that `which` picks, what runs first; what it
 * removed (kind/name). The runner and a cluster without a garbage collector's help alike:
 * each object is removed by name, pods included.
 */
export async function deleteDrillObjects(
  cluster: Cluster,
  namespace: string,
  which: (object: { kind: string; id: string; expiresAt: string }) => boolean,
): Promise<string[]> {
  const removed: string[] = [];
  for (const object of (await listDrillObjects(cluster, namespace)).filter(which)) {
    await cluster.delete(object.kind, namespace, object.name).catch((error: Error) => {
      // Gone already (with its owner, or another drill's clean-up): what was asked is done.
      if (!/not ?found/i.test(error.message)) throw error;
    });
    removed.push(`${object.kind}/${object.name}`);
  }
  return removed;
}

/**
 * Removes what drills left whose time is up: a drill killed with its job leaves it so. A pod
 * whose drill has no object left (its StatefulSet gone, a cluster with no garbage
 * collector's help) goes too.
 */
export async function reapExpiredDrills(
  cluster: Cluster,
  namespace: string,
  now = Date.now(),
): Promise<string[]> {
  const owned = new Set(
    (await listDrillObjects(cluster, namespace)).filter((o) => o.kind !== "Pod").map((o) => o.id),
  );
  return deleteDrillObjects(
    cluster,
    namespace,
    (o) =>
      (o.expiresAt !== "" && Date.parse(o.expiresAt) <= now) ||
      (o.kind === "Pod" && !owned.has(o.id)),
  );
}
