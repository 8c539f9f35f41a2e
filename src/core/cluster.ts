// The cluster operations the Action, the bot and the demo need, whichever engine runs
// them: Kubernetes through its API, or the local runner that runs the manifests' pods as
// processes on this machine.
import type { JobOutcome, WorkloadKind } from "./names/kinds.ts";
import { UserError } from "./user-error.ts";

export type { JobOutcome, WorkloadKind };

/** An object's labels; as a selector, the labels a match must carry (equality only). */
export type Labels = Record<string, string>;

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  /** The version the API server gave the object as read; update's precondition. */
  resourceVersion?: string;
  /** The API server's name for this object, by which an owner is named. */
  uid?: string;
  /** Its owners: Kubernetes' garbage collector removes it when they are all gone. */
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface JobResult {
  name: string;
  outcome: JobOutcome;
  /** Why a Job failed: BackoffLimitExceeded, DeadlineExceeded, ... */
  reason?: string;
  message?: string;
  startTime?: string;
  completionTime?: string;
}

/** A container of a pod, to run a command in. */
export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A Job's pods with their containers' states, and the events about the Job and its pods. */
export interface JobDescription {
  pods: {
    name: string;
    phase: string;
    /** state: "running", "waiting (reason: message)" or "terminated (reason, exit code N)". */
    containers: { name: string; state: string; restarts: number }[];
  }[];
  events: { object: string; type: string; reason: string; message: string }[];
}

/** The description as kubectl describe would say it, a line for each pod, container and event. */
export function describedText(job: string, description: JobDescription): string {
  const lines = description.pods.flatMap((pod) => [
    `pod ${pod.name}: ${pod.phase}`,
    ...pod.containers.map((c) => `  container ${c.name}: ${c.state}, restarts ${c.restarts}`),
  ]);
  for (const e of description.events)
    lines.push(`event ${e.object}: ${e.type} ${e.reason}: ${e.message}`);
  return lines.join("\n") || `no pods or events found for job/${job}`;
}

/** create found an object of that name already there: the caller's work was done before. */
export class AlreadyExistsError extends Error {
  constructor(kind: string, namespace: string, name: string) {
    super(`${kind}/${name} already exists in namespace ${namespace}`);
    this.name = "AlreadyExistsError";
  }
}

/**
 * update's precondition failed: the object changed (or went) since it was read, so
 * someone else's change came first. Read it again and decide again.
 */
export class ConflictError extends Error {
  constructor(kind: string, namespace: string, name: string) {
    super(`${kind}/${name} in namespace ${namespace} changed since it was read`);
    this.name = "ConflictError";
  }
}

/**
 * A write refused because the namespace does not exist, told as what to do. No face creates
 * it: its Pod Security labels are a cluster admin's, so the credentials that deploy hold no
 * right on namespaces (docs/security.md row 30).
 */
export function namespaceMissing(error: unknown, namespace: string): UserError | undefined {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 404 || !String(message).includes(`namespaces "${namespace}" not found`)) return;
  return new UserError(
    `namespace ${namespace} does not exist: a cluster admin creates it, with its Pod Security labels, from the manifests' namespace.yaml (kubectl kustomize <overlay> | kubectl apply -l app.kubernetes.io/component=namespace -f -), then runs this again`,
  );
}

/**
 * The version an update holds to; a write without one would be forced, never
 * conditional, so it is refused outright (every cluster's update starts here).
 */
export function heldVersion(object: KubeObject): string {
  const { resourceVersion } = object.metadata;
  if (!resourceVersion)
    throw new Error(
      `update ${object.kind}/${object.metadata.name}: no resourceVersion to hold it to`,
    );
  return resourceVersion;
}

export interface Cluster {
  /** Creates or updates each object, in order (kubectl apply). */
  apply(objects: KubeObject[]): Promise<void>;
  get(kind: string, namespace: string, name: string): Promise<KubeObject | undefined>;
  list(kind: string, namespace: string, labels?: Labels): Promise<KubeObject[]>;
  /**
   * Creates the object, never replaces it: AlreadyExistsError when it exists (a Job, a
   * lock, a record). A create whose answer was lost and that finds its own object succeeds.
   */
  create(object: KubeObject): Promise<KubeObject>;
  /**
   * Changes the object only if it is still at `metadata.resourceVersion` (as read):
   * ConflictError otherwise, so two writers of a record or a lock cannot both win. The
   * object's fields are merged onto the stored ones; returns it with its new version.
   */
  update(object: KubeObject): Promise<KubeObject>;
  /** Waits until the Job completes or fails; throws when the deadline passes first. */
  waitForJob(namespace: string, name: string, timeoutMs: number): Promise<JobResult>;
  /** Waits until every pod matching the labels is ready; throws at the deadline. */
  waitForPodsReady(namespace: string, labels: Labels, timeoutMs: number): Promise<void>;
  /** Logs of a pod's container, or of the newest pod of a Job (name "job/NAME"). */
  logs(namespace: string, target: string, container?: string): Promise<string>;
  /** Runs the command in the container (kubectl exec); its exit code and output. */
  exec(target: ExecTarget, command: string[]): Promise<ExecResult>;
  /** What a person needs when a Job failed: its pods' phases and container states, and events. */
  describeJob(namespace: string, name: string): Promise<JobDescription>;
  scale(namespace: string, kind: WorkloadKind, name: string, replicas: number): Promise<void>;
  delete(kind: string, namespace: string, name: string): Promise<void>;
  /** Suspends a CronJob (no new Jobs on its schedule) or resumes it: its spec.suspend. */
  setSuspended(namespace: string, cronJob: string, suspended: boolean): Promise<void>;
}

/**
 * Whether a write went through: false when the cluster refused it with `refusal` (the
 * object exists, or changed since it was read), which the caller expects; anything else
 * is thrown.
 */
export async function written(
  write: () => Promise<unknown>,
  refusal: typeof AlreadyExistsError | typeof ConflictError,
): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof refusal) return false;
    throw error;
  }
}

/** Creates the object; false when one of that name was there already (asked for before). */
export function createIfAbsent(cluster: Cluster, object: KubeObject): Promise<boolean> {
  return written(() => cluster.create(object), AlreadyExistsError);
}

/** Waits until no pod matching the labels is left (after scaling to zero). */
export async function waitForNoPods(
  cluster: Cluster,
  namespace: string,
  labels: Labels,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await cluster.list("Pod", namespace, labels)).length > 0) {
    if (Date.now() > deadline)
      throw new Error(
        `pods ${Object.entries(labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(",")} still exist after ${timeoutMs / 1000}s`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * A JSON merge patch (RFC 7386), as the API server applies update's body: maps merge key
 * by key, null removes a key, anything else replaces. For the runners that keep objects.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const merged: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = mergePatch(merged[key], value);
  }
  return merged;
}
