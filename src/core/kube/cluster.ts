// The cluster operations against a real Kubernetes API, with @kubernetes/client-node 1.x:
// server-side apply with the field manager mcpgov-backup, Jobs created once, waits that
// poll with a deadline, logs, exec over the API's websocket, scale and delete; every call
// retried while the API's failure is transient (api.ts tells which are).
import { PassThrough } from "node:stream";
import * as k8s from "@kubernetes/client-node";
import {
  AlreadyExistsError,
  type Cluster,
  type ExecResult,
  type JobDescription,
  type JobResult,
  type KubeObject,
} from "../cluster.ts";
import {
  apiVersionOf,
  configurationWithDeadline,
  isConflict,
  isNotFound,
  isTimedOut,
  isTransient,
  ObjectApi,
  sameData,
  sameMetadata,
  selector,
  sleep,
} from "./api.ts";

export const FIELD_MANAGER = "mcpgov-backup";

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
}

export class KubeCluster implements Cluster {
  private readonly objects: k8s.KubernetesObjectApi;
  private readonly core: k8s.CoreV1Api;
  private readonly batch: k8s.BatchV1Api;
  private readonly apps: k8s.AppsV1Api;
  private readonly execClient: k8s.Exec;
  private readonly pollMs: number;
  private readonly attempts: number;
  private readonly retryMs: number;
  private readonly requestTimeoutMs: number;

  constructor(
    config: k8s.KubeConfig,
    options: KubeClusterOptions = {},
    websocket?: WebSocketHandler,
  ) {
    this.pollMs = options.pollMs ?? 2000;
    this.attempts = options.attempts ?? 4;
    this.retryMs = options.retryMs ?? 500;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    const configuration = configurationWithDeadline(config, this.requestTimeoutMs);
    this.objects = new ObjectApi(configuration, config);
    this.core = new k8s.CoreV1Api(configuration);
    this.batch = new k8s.BatchV1Api(configuration);
    this.apps = new k8s.AppsV1Api(configuration);
    this.execClient = new k8s.Exec(config, websocket);
  }

  /**
   * Calls the API again after a pause when it fails transiently. Only for calls that are
   * safe to repeat: reads, server-side apply, scale, delete; creates check what they find.
   * `retried` tells the caller, on the last attempt, that an earlier one may have landed.
   */
  private async retrying<T>(what: string, call: (retried: boolean) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call(attempt > 1);
      } catch (error) {
        if (!isTransient(error)) throw error;
        if (attempt >= this.attempts) {
          const code = (error as { code?: unknown }).code;
          const said = isTimedOut(error)
            ? `no answer within ${this.requestTimeoutMs / 1000} s`
            : typeof code === "number"
              ? `HTTP ${code}`
              : (error as Error).message;
          throw new Error(
            `${what}: the Kubernetes API failed ${attempt} times in a row (${said.split("\n")[0]}); is the API server up and reachable?`,
            { cause: error },
          );
        }
        await sleep(this.retryMs * 2 ** (attempt - 1));
      }
    }
  }

  async apply(objects: KubeObject[]): Promise<void> {
    for (const object of objects) {
      try {
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
      return (await this.retrying(`get ${kind}/${name}`, () =>
        this.objects.read(spec),
      )) as KubeObject;
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

  async createJob(job: KubeObject): Promise<KubeObject> {
    const namespace = job.metadata.namespace ?? "default";
    const name = job.metadata.name;
    return this.retrying(`create job/${name}`, async (retried) => {
      try {
        return (await this.batch.createNamespacedJob({
          namespace,
          body: job as k8s.V1Job,
          fieldManager: FIELD_MANAGER,
        })) as KubeObject;
      } catch (error) {
        if (!isConflict(error)) throw error;
        // A create that timed out may have landed: the Job found is ours if it carries
        // what we sent, and then there is still exactly one.
        const found = retried ? await this.get("Job", namespace, name) : undefined;
        if (found && sameMetadata(job, found)) return found;
        throw new AlreadyExistsError("Job", namespace, name);
      }
    });
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const namespace = object.metadata.namespace ?? "default";
    const body = { ...object, apiVersion: object.apiVersion ?? apiVersionOf(object.kind) };
    const what = `create ${object.kind}/${object.metadata.name}`;
    try {
      return await this.retrying(what, async (retried) => {
        try {
          return (await this.objects.create(
            body as k8s.KubernetesObject,
            undefined,
            undefined,
            FIELD_MANAGER,
          )) as KubeObject;
        } catch (error) {
          if (!isConflict(error)) throw error;
          const found = retried
            ? await this.get(object.kind, namespace, object.metadata.name)
            : undefined;
          if (found && sameMetadata(object, found) && sameData(object, found)) return found;
          throw new AlreadyExistsError(object.kind, namespace, object.metadata.name);
        }
      });
    } catch (error) {
      if (error instanceof AlreadyExistsError) throw error;
      throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
    }
  }

  async waitForJob(namespace: string, name: string, timeoutMs: number): Promise<JobResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.retrying(`get job/${name}`, () =>
        this.batch.readNamespacedJob({ name, namespace }),
      );
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
      const pods = await this.retrying(`list pods ${selector(labels)}`, () =>
        this.core.listNamespacedPod({ namespace, labelSelector: selector(labels) }),
      );
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

  async describeJob(namespace: string, name: string): Promise<JobDescription> {
    const pods = await this.core.listNamespacedPod({
      namespace,
      labelSelector: `job-name=${name}`,
    });
    const described: JobDescription = { pods: [], events: [] };
    for (const pod of pods.items) {
      described.pods.push({
        name: pod.metadata?.name ?? "?",
        phase: pod.status?.phase ?? "unknown",
        containers: (pod.status?.containerStatuses ?? []).map((c) => ({
          name: c.name,
          state: c.state?.terminated
            ? `terminated (${c.state.terminated.reason ?? "?"}, exit code ${c.state.terminated.exitCode})`
            : c.state?.waiting
              ? `waiting (${c.state.waiting.reason ?? "?"}: ${c.state.waiting.message ?? ""})`
              : "running",
          restarts: c.restartCount,
        })),
      });
    }
    const names = [name, ...pods.items.map((p) => p.metadata?.name ?? "")];
    const events = await this.core.listNamespacedEvent({ namespace });
    for (const e of events.items.filter((e) => names.includes(e.involvedObject.name ?? ""))) {
      described.events.push({
        object: `${e.involvedObject.kind}/${e.involvedObject.name}`,
        type: e.type ?? "",
        reason: e.reason ?? "",
        message: e.message ?? "",
      });
    }
    return described;
  }

  async scale(
    namespace: string,
    kind: "StatefulSet" | "Deployment",
    name: string,
    replicas: number,
  ): Promise<void> {
    const body = [{ op: "replace", path: "/spec/replicas", value: replicas }];
    const options = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);
    // Setting the replica count is the same request however often it is sent.
    await this.retrying(`scale ${kind.toLowerCase()}/${name}`, () =>
      kind === "StatefulSet"
        ? this.apps.patchNamespacedStatefulSetScale({ name, namespace, body }, options)
        : this.apps.patchNamespacedDeploymentScale({ name, namespace, body }, options),
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

/** The exit code from the status the API sends at the end of an exec. */
export function exitCode(status: k8s.V1Status): number {
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  if (cause?.message !== undefined) return Number(cause.message);
  return 1;
}
