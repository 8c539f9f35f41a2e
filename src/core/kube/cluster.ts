// The cluster operations against a real Kubernetes API, with @kubernetes/client-node 1.x:
// server-side apply with the field manager mcpgov-backup, Jobs created once, waits that
// poll with a deadline, logs, exec over the API's websocket, scale and delete; every call
// retried while the API's failure is transient (api.ts tells which are).
import * as k8s from "@kubernetes/client-node";
import * as cluster from "../cluster.ts";
import { terminalCondition } from "../names/kinds.ts";
import { PRODUCT } from "../names/labels.ts";
import {
  apiVersionOf,
  configurationWithDeadline,
  isConflict,
  isNotFound,
  ObjectApi,
  sameData,
  sameMetadata,
  selector,
  sleep,
} from "./api.ts";
import { describeJob } from "./describe.ts";
import { execInPod } from "./exec.ts";
import { type RetryPolicy, retrying } from "./retry.ts";
import { failIfStuck } from "./stuck.ts";

type KubeObject = cluster.KubeObject;
type WorkloadKind = cluster.WorkloadKind;

/** Who applies: the product, as server-side apply records it. */
export const FIELD_MANAGER = PRODUCT;

/** How exec reaches the API's websocket; tests give their own. */
export type WebSocketHandler = ConstructorParameters<typeof k8s.Exec>[1];

/** apiVersion of each kind the product works with. */
export interface KubeClusterOptions {
  /** How often the waits poll the API. */
  pollMs?: number;
  /** Attempts for a call that fails transiently (5xx, 429, a dropped connection). */
  attempts?: number;
  /** The first pause between attempts; it doubles each time. */
  retryMs?: number;
  /** How long one request may go without its whole answer before it is given up and retried. */
  requestTimeoutMs?: number;
  /** The longest wait honoured when the API asks for one (429 with Retry-After). */
  maxRetryAfterMs?: number;
}

export class KubeCluster implements cluster.Cluster {
  private readonly objects: k8s.KubernetesObjectApi;
  private readonly core: k8s.CoreV1Api;
  private readonly batch: k8s.BatchV1Api;
  private readonly apps: k8s.AppsV1Api;
  private readonly execClient: k8s.Exec;
  private readonly pollMs: number;
  private readonly retry: RetryPolicy;

  constructor(
    config: k8s.KubeConfig,
    options: KubeClusterOptions = {},
    websocket?: WebSocketHandler,
  ) {
    this.pollMs = options.pollMs ?? 2000;
    this.retry = {
      attempts: options.attempts ?? 4,
      retryMs: options.retryMs ?? 500,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    };
    const configuration = configurationWithDeadline(config, this.retry.requestTimeoutMs);
    this.objects = new ObjectApi(configuration, config);
    this.core = new k8s.CoreV1Api(configuration);
    this.batch = new k8s.BatchV1Api(configuration);
    this.apps = new k8s.AppsV1Api(configuration);
    this.execClient = new k8s.Exec(config, websocket);
  }

  private retrying<T>(what: string, call: (retried: boolean) => Promise<T>): Promise<T> {
    return retrying(this.retry, what, call);
  }

  async apply(objects: KubeObject[]): Promise<void> {
    for (const object of objects) {
      await this.retrying(`apply ${object.kind}/${object.metadata.name}`, () =>
        this.objects.patch(
          object as k8s.KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          k8s.PatchStrategy.ServerSideApply,
        ),
      );
    }
  }

  async get(kind: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    const spec = { apiVersion: apiVersionOf(kind), kind, metadata: { name, namespace } };
    try {
      return (await this.retrying(`get ${kind}/${name}`, () =>
        this.objects.read(spec),
      )) as KubeObject;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list(kind: string, namespace: string, labels: cluster.Labels = {}): Promise<KubeObject[]> {
    const list = await this.retrying(`list ${kind}`, () =>
      this.objects.list(
        apiVersionOf(kind),
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        selector(labels) || undefined,
      ),
    );
    return list.items as KubeObject[];
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const namespace = object.metadata.namespace ?? "default";
    const body = { ...object, apiVersion: object.apiVersion ?? apiVersionOf(object.kind) };
    return this.retrying(`create ${object.kind}/${object.metadata.name}`, async (retried) => {
      try {
        return (await this.objects.create(
          body as k8s.KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
        )) as KubeObject;
      } catch (error) {
        if (!isConflict(error)) throw error;
        // A create that timed out may have landed: what is found is ours if it carries
        // what we sent, and then there is still exactly one.
        const found = retried
          ? await this.get(object.kind, namespace, object.metadata.name)
          : undefined;
        if (found && sameMetadata(object, found) && sameData(object, found)) return found;
        throw new cluster.AlreadyExistsError(object.kind, namespace, object.metadata.name);
      }
    });
  }

  async update(object: KubeObject): Promise<KubeObject> {
    const namespace = object.metadata.namespace ?? "default";
    const { name } = object.metadata;
    cluster.heldVersion(object);
    // A JSON merge patch that carries metadata.resourceVersion is refused with 409 when the
    // object has moved on: the API server's own optimistic lock, under the patch verb.
    return this.retrying(`update ${object.kind}/${name}`, async (retried) => {
      try {
        return (await this.objects.patch(
          object as k8s.KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          undefined,
          k8s.PatchStrategy.MergePatch,
        )) as KubeObject;
      } catch (error) {
        if (!isConflict(error) && !isNotFound(error)) throw error;
        // An update that timed out may have landed: then the object carries what we sent.
        const found = retried ? await this.get(object.kind, namespace, name) : undefined;
        const same = (a: KubeObject, b: KubeObject) =>
          JSON.stringify(a.spec ?? null) === JSON.stringify(b.spec ?? null);
        if (found && sameMetadata(object, found) && sameData(object, found) && same(object, found))
          return found;
        throw new cluster.ConflictError(object.kind, namespace, name);
      }
    });
  }

  async waitForJob(namespace: string, name: string, timeoutMs: number): Promise<cluster.JobResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.retrying(`get job/${name}`, () =>
        this.batch.readNamespacedJob({ name, namespace }),
      );
      const done = terminalCondition(job.status?.conditions);
      if (done) {
        return {
          name,
          outcome: done.type,
          reason: done.reason,
          message: done.message,
          startTime: job.status?.startTime?.toISOString(),
          completionTime: (job.status?.completionTime ?? done.lastTransitionTime)?.toISOString(),
        };
      }
      if (Date.now() >= deadline)
        throw new Error(
          `timed out after ${Math.round(timeoutMs / 1000)}s waiting for job/${name} to complete`,
        );
      await this.failIfPodsStuck(namespace, `job-name=${name}`, `job/${name}`);
      await sleep(this.pollMs);
    }
  }

  /**
   * Stops a wait whose pods cannot come up (kube/stuck.ts). Only a stuck pod stops it: a
   * failed look at the pods leaves the wait to go on.
   */
  private async failIfPodsStuck(namespace: string, labelSelector: string, what: string) {
    const pods = await this.core
      .listNamespacedPod({ namespace, labelSelector })
      .catch(() => undefined);
    if (pods) await failIfStuck(this.core, this.retrying.bind(this), namespace, pods.items, what);
  }

  async waitForPodsReady(
    namespace: string,
    labels: cluster.Labels,
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pods = await this.retrying(`list pods ${selector(labels)}`, () =>
        this.core.listNamespacedPod({ namespace, labelSelector: selector(labels) }),
      );
      const ready = (pod: k8s.V1Pod) =>
        pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      if (pods.items.length > 0 && pods.items.every(ready)) return;
      await failIfStuck(
        this.core,
        this.retrying.bind(this),
        namespace,
        pods.items,
        `pods ${selector(labels)}`,
      );
      if (Date.now() >= deadline) {
        throw new Error(
          `timed out after ${Math.round(timeoutMs / 1000)}s waiting for pods ${selector(labels)} to be ready`,
        );
      }
      await sleep(this.pollMs);
    }
  }

  async logs(namespace: string, target: string, container?: string): Promise<string> {
    let pod = target;
    if (target.startsWith("job/")) {
      const pods = await this.retrying(`list the pods of ${target}`, () =>
        this.core.listNamespacedPod({ namespace, labelSelector: `job-name=${target.slice(4)}` }),
      );
      const newest = pods.items
        .sort(
          (a, b) =>
            (a.metadata?.creationTimestamp?.getTime() ?? 0) -
            (b.metadata?.creationTimestamp?.getTime() ?? 0),
        )
        .at(-1);
      if (!newest?.metadata?.name)
        throw new Error(`logs ${target}: no pod found in namespace ${namespace}`);
      pod = newest.metadata.name;
    }
    return this.retrying(`logs ${pod}`, () =>
      this.core.readNamespacedPodLog({ name: pod, namespace, container }),
    );
  }

  async exec(target: cluster.ExecTarget, command: string[]): Promise<cluster.ExecResult> {
    return execInPod(this.execClient, target, command);
  }

  async describeJob(namespace: string, name: string): Promise<cluster.JobDescription> {
    return describeJob(this.core, (what, call) => this.retrying(what, call), namespace, name);
  }

  async scale(namespace: string, kind: WorkloadKind, name: string, replicas: number) {
    const body = [{ op: "replace", path: "/spec/replicas", value: replicas }];
    const options = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);
    // Setting the replica count is the same request however often it is sent.
    await this.retrying(`scale ${kind.toLowerCase()}/${name}`, () =>
      kind === "StatefulSet"
        ? this.apps.patchNamespacedStatefulSetScale({ name, namespace, body }, options)
        : this.apps.patchNamespacedDeploymentScale({ name, namespace, body }, options),
    );
  }

  async setSuspended(namespace: string, cronJob: string, suspended: boolean): Promise<void> {
    const body = { spec: { suspend: suspended } };
    const options = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
    // A merge patch of one field: the same request however often it is sent, and it
    // leaves the fields deploy's server-side apply owns alone.
    await this.retrying(`${suspended ? "suspend" : "resume"} cronjob/${cronJob}`, () =>
      this.batch.patchNamespacedCronJob({ name: cronJob, namespace, body }, options),
    );
  }

  async delete(kind: string, namespace: string, name: string): Promise<void> {
    const spec = { apiVersion: apiVersionOf(kind), kind, metadata: { name, namespace } };
    // Background: a Job's pods go with it, as kubectl delete does. A retry that finds it
    // gone finds the work done.
    await this.retrying(`delete ${kind}/${name}`, async (retried) => {
      try {
        await this.objects.delete(spec, undefined, undefined, undefined, undefined, "Background");
      } catch (error) {
        if (!(retried && isNotFound(error))) throw error;
      }
    });
  }
}
