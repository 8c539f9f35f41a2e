// Clones: temporary PostgreSQL servers restored from the repository to one point. The
// server is made from its template as the cluster holds it (CronJob mcpgov-clone of
// manifests/clone/, rewritten by the overlay); its claim, Service and policy, which cannot
// be live templates (a claim would be provisioned, a policy enforced), from
// manifests/clone/mcpgov-clone-objects.yaml with the template's labels. Every object of a
// clone carries its id (label mcpgov-backup/clone) and when it expires (annotation), so
// that any bot or Action that lists them, before or after a restart, can tell what is
// whose and remove what is due.
import type { Cluster, KubeObject } from "./cluster.ts";
import { jobFromTemplate, templateCronJob } from "./jobs.ts";
import { loadManifestFile } from "./manifests/load.ts";
import { podTemplateOf } from "./manifests/pod.ts";
import {
  CLONE_LABEL,
  COMPONENT,
  COMPONENT_LABEL,
  EXPIRES_ANNOTATION,
  NAME_LABEL,
  PGBACKREST_LABELS,
  POINT_ANNOTATION,
  productLabels,
} from "./names/labels.ts";
import { CLONE_TEMPLATE } from "./names/objects.ts";
import { projectPath } from "./paths.ts";
import { UserError } from "./user-error.ts";

/** The kinds a clone is made of, in the order they are removed (the server first). */
export const CLONE_KINDS = ["Job", "NetworkPolicy", "Service", "PersistentVolumeClaim"] as const;

/** A clone's id: part of every object's name, so short, and safe in a label and a comment. */
export const CLONE_ID = /^[a-z0-9]{1,20}$/;

/** An unquoted lower-case PostgreSQL name: what reaches SQL and a shell argument can never quote. */
export const PLAIN_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function cloneId(id: string): string {
  if (!CLONE_ID.test(id))
    throw new UserError(
      `"${id.slice(0, 40)}" is not a clone id: lower-case letters and digits, at most 20, as the clone's comment or the clone operation's output gives it`,
    );
  return id;
}

/** The name of the clone's claim, server Job, Service and NetworkPolicy. */
export function cloneName(id: string): string {
  return `mcpgov-clone-${id}`;
}

/**
 * Where a pod connects to a clone: its Service qualified with the namespace, so that a
 * password goes to this clone's Service and not to whatever a search domain of the
 * client's pod would find first under the bare name (docs/security.md, L2).
 */
export function cloneHost(id: string, namespace: string): string {
  return `${cloneName(id)}.${namespace}.svc`;
}

/**
 * How long the server's Job stays once it has ended (at its deadline): Kubernetes then
 * removes it, so a clone with no bot or Action left leaves no Job behind.
 */
export const SERVER_KEPT_SECONDS = 60;

/** Seconds from now until the clone's expiry (a minute at least). */
export function secondsUntil(expiresAt: string, now = Date.now()): number {
  return Math.max(60, Math.ceil((Date.parse(expiresAt) - now) / 1000));
}

/**
 * The object, owned by the clone's restore Job as the API server made it (with its uid):
 * Kubernetes' garbage collector removes it when that Job goes, when the clone's time is up.
 */
export function ownedByRestoreJob(object: KubeObject, restoreJob: KubeObject): KubeObject {
  const { name, uid } = restoreJob.metadata;
  if (!uid) throw new Error(`Job ${name} has no uid: the cluster did not say what it made`);
  object.metadata.ownerReferences = [{ apiVersion: "batch/v1", kind: "Job", name, uid }];
  return object;
}

/** The name of the Job that restores the clone's data. */
export function cloneRestoreJobName(id: string): string {
  return `${cloneName(id)}-restore`;
}

/** A database to restore alone: an unquoted name, as it reaches pgBackRest's --db-include. */
export function cloneDatabase(name: string): string {
  if (!PLAIN_NAME.test(name))
    throw new UserError(
      `"${name.slice(0, 70)}" is not a database name: lower-case letters, digits and _, such as mcpgov`,
    );
  return name;
}

/** A time to live as a person writes it: 90m, 4h. At most a day: a clone holds production's data. */
export function parseTtl(text: string): number {
  const match = /^([1-9][0-9]{0,3})(m|h)$/.exec(text.trim());
  const ms = match ? Number(match[1]) * (match[2] === "h" ? 3_600_000 : 60_000) : Number.NaN;
  if (!(ms >= 60_000 && ms <= 86_400_000))
    throw new UserError(
      `"${text.slice(0, 20)}" is not a time to live: minutes or hours such as 90m or 4h, from 1m to 24h`,
    );
  return ms;
}

export interface CloneSpec {
  id: string;
  /** When the clone goes (ISO, UTC). */
  expiresAt: string;
  /** What it holds, as a person reads it: "2026-11-24 14:30:00.000000+00", "mark before-42". */
  point: string;
  /**
   * Production's image, as its StatefulSet runs it: the clone opens a data directory that
   * PostgreSQL wrote, so it runs the same one, even when production's image was changed
   * since the overlay was applied (the template holds the overlay's image, the same one
   * when nothing was).
   */
  image: string;
  /** Production's claim's size and class: the clone holds as much. */
  storage: string;
  storageClassName?: string;
}

/** The clone's claim, Service and policy as the product ships them. */
function besideServer(): KubeObject[] {
  const file = projectPath("manifests/clone/mcpgov-clone-objects.yaml");
  return loadManifestFile(file).map((doc) => doc.object as KubeObject);
}

/**
 * The clone's server's template, as the cluster holds it (the overlay's). Read before a
 * clone touches anything: without it there is no server to make.
 */
export async function cloneServerTemplate(
  cluster: Cluster,
  namespace: string,
): Promise<KubeObject> {
  return templateCronJob(cluster, namespace, CLONE_TEMPLATE, "a clone's server");
}

type PodTemplate = {
  metadata: { labels: Record<string, string> };
  spec: {
    activeDeadlineSeconds?: number;
    containers: {
      image: string;
      args?: string[];
      envFrom?: { configMapRef?: { name: string } }[];
    }[];
    volumes: { name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: object }[];
    serviceAccountName?: string;
  };
};

function named(object: KubeObject, spec: CloneSpec, name = cloneName(spec.id)): KubeObject {
  object.metadata.name = name;
  object.metadata.labels = { ...object.metadata.labels, [CLONE_LABEL]: spec.id };
  object.metadata.annotations = {
    ...object.metadata.annotations,
    [EXPIRES_ANNOTATION]: spec.expiresAt,
    [POINT_ANNOTATION]: spec.point,
  };
  return object;
}

export interface CloneObjects {
  claim: KubeObject;
  server: KubeObject;
  service: KubeObject;
  policy: KubeObject;
}

/**
 * The clone's objects, for this clone only: the server made from its template (as
 * `kubectl create job --from` makes it, but owned by no template), and its claim, Service
 * and policy from the product's file, each with the template's labels.
 */
export function cloneObjects(spec: CloneSpec, serverTemplate: KubeObject): CloneObjects {
  const objects = besideServer();
  // The overlay's labels (its instance, its own) over the file's.
  const labels = serverTemplate.metadata.labels ?? {};
  const byKind = (kind: string) => {
    const found = objects.find((o) => o.kind === kind);
    if (!found) throw new Error(`manifests/clone/mcpgov-clone-objects.yaml has no ${kind}`);
    found.metadata.labels = { ...found.metadata.labels, ...labels };
    return named(found, spec);
  };
  const claim = byKind("PersistentVolumeClaim");
  const claimSpec = claim.spec as {
    resources: { requests: { storage: string } };
    storageClassName?: string;
  };
  claimSpec.resources.requests.storage = spec.storage;
  if (spec.storageClassName) claimSpec.storageClassName = spec.storageClassName;

  const server = jobFromTemplate(serverTemplate, cloneName(spec.id));
  server.metadata.labels = { ...labels, ...server.metadata.labels };
  named(server, spec);
  // It stops itself at its deadline (createClone sets it), and goes a minute later.
  (server.spec as { ttlSecondsAfterFinished?: number }).ttlSecondsAfterFinished =
    SERVER_KEPT_SECONDS;
  const pod = podTemplateOf(server) as PodTemplate | undefined;
  if (!pod?.spec?.containers?.length)
    throw new Error(`CronJob ${serverTemplate.metadata.name} has no container`);
  pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, [CLONE_LABEL]: spec.id } };
  for (const container of pod.spec.containers) container.image = spec.image;
  for (const volume of pod.spec.volumes ?? [])
    if (volume.persistentVolumeClaim) volume.persistentVolumeClaim.claimName = cloneName(spec.id);

  const service = byKind("Service");
  (service.spec as { selector: Record<string, string> }).selector[CLONE_LABEL] = spec.id;
  const policy = byKind("NetworkPolicy");
  (policy.spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels[
    CLONE_LABEL
  ] = spec.id;
  return { claim, server, service, policy };
}

/**
 * The Job that restores a clone's data: the restore validation's, so it has the overlay's
 * image, repositories and client certificate, with the clone's claim as its scratch space,
 * scripts/restore-validation.sh --clone and the given restore arguments, labelled as a
 * restore for the network policies, pushing no verdict (it is not a validation).
 */
export function cloneRestoreJob(
  validationCronJob: KubeObject,
  spec: CloneSpec,
  args: string[],
  annotations: Record<string, string>,
): KubeObject {
  const job = named(
    // Not one of the validation's runs (status reports those).
    jobFromTemplate(validationCronJob, cloneRestoreJobName(spec.id), annotations),
    spec,
    cloneRestoreJobName(spec.id),
  );
  // It owns the clone's claim, Service and policy (ownedByRestoreJob), so it stays until
  // the clone's time is up and its server has stopped, and then takes them with it,
  // whoever is still around.
  (job.spec as { ttlSecondsAfterFinished?: number }).ttlSecondsAfterFinished =
    secondsUntil(spec.expiresAt) + 2 * SERVER_KEPT_SECONDS;
  // The overlay's labels (its instance, its own) stay; not the one that makes it a
  // pgBackRest Job a production restore waits for.
  const inherited = Object.entries(job.metadata.labels ?? {}).filter(
    ([key]) => !(key in PGBACKREST_LABELS),
  );
  job.metadata.labels = {
    ...Object.fromEntries(inherited),
    [NAME_LABEL]: "mcpgov-clone",
    ...productLabels(COMPONENT.clone),
    [CLONE_LABEL]: spec.id,
  };
  const pod = podTemplateOf(job) as PodTemplate;
  pod.metadata.labels = {
    ...pod.metadata.labels,
    [COMPONENT_LABEL]: COMPONENT.restore,
    [CLONE_LABEL]: spec.id,
  };
  pod.spec.serviceAccountName = "pgbackrest-restore";
  const [container] = pod.spec.containers;
  if (!container) throw new Error(`CronJob ${validationCronJob.metadata.name} has no container`);
  container.args = ["--clone", ...args];
  container.envFrom = container.envFrom?.filter(
    (from) => from.configMapRef?.name !== "pgbackrest-monitoring",
  );
  const scratch = pod.spec.volumes.find((v) => v.name === "scratch");
  if (!scratch) throw new Error(`CronJob ${validationCronJob.metadata.name} has no scratch volume`);
  delete scratch.emptyDir;
  scratch.persistentVolumeClaim = { claimName: cloneName(spec.id) };
  return job;
}

export interface CloneInfo {
  id: string;
  expiresAt: string;
  point: string;
  /** kind/name of each object the clone has now. */
  objects: string[];
}

/** Every clone in the namespace, from its objects' labels, oldest expiry first. */
export async function listClones(cluster: Cluster, namespace: string): Promise<CloneInfo[]> {
  const clones = new Map<string, CloneInfo>();
  for (const kind of CLONE_KINDS) {
    for (const object of await cluster.list(kind, namespace, {
      [COMPONENT_LABEL]: COMPONENT.clone,
    })) {
      const id = object.metadata.labels?.[CLONE_LABEL];
      if (!id) continue;
      const annotations = object.metadata.annotations ?? {};
      const clone = clones.get(id) ?? {
        id,
        expiresAt: annotations[EXPIRES_ANNOTATION] ?? "",
        point: annotations[POINT_ANNOTATION] ?? "",
        objects: [],
      };
      clone.objects.push(`${kind}/${object.metadata.name}`);
      clones.set(id, clone);
    }
  }
  return [...clones.values()].sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
}

/** Removes every object of the clone; what it removed (none when there was no such clone). */
export async function deleteClone(
  cluster: Cluster,
  namespace: string,
  id: string,
): Promise<string[]> {
  const clone = (await listClones(cluster, namespace)).find((c) => c.id === id);
  for (const object of clone?.objects ?? []) {
    const [kind = "", name = ""] = object.split("/");
    await cluster.delete(kind, namespace, name).catch((error: Error) => {
      // Gone already (another reaper, a person): what was asked for is done.
      if (!/not ?found/i.test(error.message)) throw error;
    });
  }
  return clone?.objects ?? [];
}

/**
 * Removes the clones whose time is up (the server Job has stopped itself by then; its
 * claim, Service and policy go with the restore Job that owns them, and this removes them
 * at once, or those of a clone made before they had an owner). An object with no expiry is
 * not a clone's.
 */
export async function reapExpiredClones(
  cluster: Cluster,
  namespace: string,
  now = Date.now(),
): Promise<string[]> {
  const due = (await listClones(cluster, namespace)).filter(
    (c) => c.expiresAt !== "" && Date.parse(c.expiresAt) <= now,
  );
  for (const clone of due) await deleteClone(cluster, namespace, clone.id);
  return due.map((c) => c.id);
}
