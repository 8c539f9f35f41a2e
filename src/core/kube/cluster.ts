// The cluster operations against a real Kubernetes API, with @kubernetes/client-node 1.x:
// server-side apply with the field manager mcpgov-backup, Jobs from CronJobs as
// `kubectl create job --from=cronjob` makes them, waits that poll with a deadline, logs,
// exec over the API's websocket, scale and delete.
import { PassThrough } from "node:stream";
import * as k8s from "@kubernetes/client-node";
import {
  AlreadyExistsError,
  type Cluster,
  type ExecResult,
  type JobResult,
  type KubeObject,
} from "../cluster.ts";
import { jobFromCronJob } from "../jobs.ts";

export const FIELD_MANAGER = "mcpgov-backup";

/** How exec reaches the API's websocket; tests give their own. */
export type WebSocketHandler = ConstructorParameters<typeof k8s.Exec>[1];

/** apiVersion of each kind the product works with. */
const API_VERSIONS: Record<string, string> = {
  Namespace: "v1",
  ConfigMap: "v1",
  Secret: "v1",
  Service: "v1",
  ServiceAccount: "v1",
  PersistentVolumeClaim: "v1",
  Pod: "v1",
  StatefulSet: "apps/v1",
  Deployment: "apps/v1",
  Job: "batch/v1",
  CronJob: "batch/v1",
  Role: "rbac.authorization.k8s.io/v1",
  RoleBinding: "rbac.authorization.k8s.io/v1",
  NetworkPolicy: "networking.k8s.io/v1",
};

function apiVersionOf(kind: string): string {
  const apiVersion = API_VERSIONS[kind];
  if (!apiVersion)
    throw new Error(
      `kind ${kind} is not one mcpgov-backup works with (${Object.keys(API_VERSIONS).join(", ")})`,
    );
  return apiVersion;
}

function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

function isConflict(error: unknown): boolean {
  return (error as { code?: number }).code === 409;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface KubeClusterOptions {
  /** How often the waits poll the API. */
  pollMs?: number;
}

export class KubeCluster implements Cluster {
  private readonly objects: k8s.KubernetesObjectApi;
  private readonly core: k8s.CoreV1Api;
  private readonly batch: k8s.BatchV1Api;
  private readonly apps: k8s.AppsV1Api;
  private readonly execClient: k8s.Exec;
  private readonly pollMs: number;

  constructor(
    config: k8s.KubeConfig,
    options: KubeClusterOptions = {},
    websocket?: WebSocketHandler,
  ) {
    this.objects = k8s.KubernetesObjectApi.makeApiClient(config);
    this.core = config.makeApiClient(k8s.CoreV1Api);
    this.batch = config.makeApiClient(k8s.BatchV1Api);
    this.apps = config.makeApiClient(k8s.AppsV1Api);
    this.execClient = new k8s.Exec(config, websocket);
    this.pollMs = options.pollMs ?? 2000;
  }

  async apply(objects: KubeObject[]): Promise<void> {
    for (const object of objects) {
      try {
        await this.objects.patch(
          object as k8s.KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          k8s.PatchStrategy.ServerSideApply,
        );
      } catch (cause) {
        throw new Error(
          `apply ${object.kind}/${object.metadata.name}: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
  }

  async get(kind: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    try {
      const spec = { apiVersion: apiVersionOf(kind), kind, metadata: { name, namespace } };
      return (await this.objects.read(spec)) as KubeObject;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new Error(`get ${kind}/${name}: ${(error as Error).message}`, { cause: error });
    }
  }

  async list(
    kind: string,
    namespace: string,
    labels: Record<string, string> = {},
  ): Promise<KubeObject[]> {
    const list = await this.objects.list(
      apiVersionOf(kind),
      kind,
      namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      selector(labels) || undefined,
    );
    return list.items as KubeObject[];
  }

  async createJobFromCronJob(
    namespace: string,
    cronJob: string,
    job: string,
    annotations: Record<string, string> = {},
  ): Promise<KubeObject> {
    const cron = await this.batch.readNamespacedCronJob({ name: cronJob, namespace });
    return this.createJob(jobFromCronJob(cron as unknown as KubeObject, job, annotations));
  }

  async createJob(job: KubeObject): Promise<KubeObject> {
    const namespace = job.metadata.namespace ?? "default";
    try {
      return (await this.batch.createNamespacedJob({
        namespace,
        body: job as k8s.V1Job,
        fieldManager: FIELD_MANAGER,
      })) as KubeObject;
    } catch (error) {
      if (isConflict(error)) throw new AlreadyExistsError("Job", namespace, job.metadata.name);
      throw error;
    }
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const namespace = object.metadata.namespace ?? "default";
    const body = { ...object, apiVersion: object.apiVersion ?? apiVersionOf(object.kind) };
    try {
      return (await this.objects.create(
        body as k8s.KubernetesObject,
        undefined,
        undefined,
        FIELD_MANAGER,
      )) as KubeObject;
    } catch (error) {
      if (isConflict(error))
        throw new AlreadyExistsError(object.kind, namespace, object.metadata.name);
      throw new Error(
        `create ${object.kind}/${object.metadata.name}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  async waitForJob(namespace: string, name: string, timeoutMs: number): Promise<JobResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.batch.readNamespacedJob({ name, namespace });
      const done = job.status?.conditions?.find(
        (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
      );
      if (done) {
        return {
          name,
          outcome: done.type as JobResult["outcome"],
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
      await sleep(this.pollMs);
    }
  }

  async waitForPodsReady(
    namespace: string,
    labels: Record<string, string>,
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pods = await this.core.listNamespacedPod({
        namespace,
        labelSelector: selector(labels),
      });
      const ready = (pod: k8s.V1Pod) =>
        pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      if (pods.items.length > 0 && pods.items.every(ready)) return;
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
      const pods = await this.core.listNamespacedPod({
        namespace,
        labelSelector: `job-name=${target.slice(4)}`,
      });
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
    return this.core.readNamespacedPodLog({ name: pod, namespace, container });
  }

  async exec(
    namespace: string,
    pod: string,
    container: string,
    command: string[],
  ): Promise<ExecResult> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: string[] = [];
    const err: string[] = [];
    stdout.on("data", (chunk: Buffer) => out.push(chunk.toString("utf8")));
    stderr.on("data", (chunk: Buffer) => err.push(chunk.toString("utf8")));
    const status = await new Promise<k8s.V1Status>((resolve, reject) => {
      this.execClient
        .exec(namespace, pod, container, command, stdout, stderr, null, false, resolve)
        // A connection that ends without the command's status must not hang the caller.
        .then((socket) =>
          socket.on("close", () =>
            resolve({
              status: "Failure",
              message: "the exec connection closed before the command's exit status arrived",
            }),
          ),
        )
        .catch((cause: Error) =>
          reject(new Error(`exec in ${pod}/${container}: ${cause.message}`, { cause })),
        );
    });
    // Without an exit code the status says why (the pod is gone, the connection closed).
    const causes = status.details?.causes ?? [];
    const why =
      status.status !== "Success" && !causes.some((c) => c.reason === "ExitCode")
        ? `${status.message ?? "exec failed"}\n`
        : "";
    return { code: exitCode(status), stdout: out.join(""), stderr: err.join("") + why };
  }

  async describeJob(namespace: string, name: string): Promise<string> {
    const lines: string[] = [];
    const pods = await this.core.listNamespacedPod({
      namespace,
      labelSelector: `job-name=${name}`,
    });
    for (const pod of pods.items) {
      lines.push(`pod ${pod.metadata?.name}: ${pod.status?.phase ?? "unknown"}`);
      for (const c of pod.status?.containerStatuses ?? []) {
        const state = c.state?.terminated
          ? `terminated (${c.state.terminated.reason ?? "?"}, exit code ${c.state.terminated.exitCode})`
          : c.state?.waiting
            ? `waiting (${c.state.waiting.reason ?? "?"}: ${c.state.waiting.message ?? ""})`
            : "running";
        lines.push(`  container ${c.name}: ${state}, restarts ${c.restartCount}`);
      }
    }
    const names = [name, ...pods.items.map((p) => p.metadata?.name ?? "")];
    const events = await this.core.listNamespacedEvent({ namespace });
    for (const e of events.items.filter((e) => names.includes(e.involvedObject.name ?? ""))) {
      lines.push(
        `event ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.type} ${e.reason}: ${e.message}`,
      );
    }
    return lines.join("\n") || `no pods or events found for job/${name}`;
  }

  async scale(
    namespace: string,
    kind: "StatefulSet" | "Deployment",
    name: string,
    replicas: number,
  ): Promise<void> {
    const body = [{ op: "replace", path: "/spec/replicas", value: replicas }];
    const options = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);
    if (kind === "StatefulSet")
      await this.apps.patchNamespacedStatefulSetScale({ name, namespace, body }, options);
    else await this.apps.patchNamespacedDeploymentScale({ name, namespace, body }, options);
  }

  async delete(kind: string, namespace: string, name: string): Promise<void> {
    const spec = { apiVersion: apiVersionOf(kind), kind, metadata: { name, namespace } };
    // Background: a Job's pods go with it, as kubectl delete does.
    await this.objects.delete(spec, undefined, undefined, undefined, undefined, "Background");
  }
}

/** The exit code from the status the API sends at the end of an exec. */
export function exitCode(status: k8s.V1Status): number {
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  if (cause?.message !== undefined) return Number(cause.message);
  return 1;
}
