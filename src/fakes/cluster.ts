// An in-memory Cluster for the bot's unit tests and the bench's bot suite: objects kept as
// given, Jobs that end the way the test says, exec answered by the test. What really
// happens to data is the end-to-end test's business (test/e2e/bot.test.ts), on the local
// cluster runner. Nothing in the product imports it (the lint holds that).
import { randomUUID } from "node:crypto";
import {
  AlreadyExistsError,
  type Cluster,
  ConflictError,
  type ExecResult,
  type ExecTarget,
  heldVersion,
  type JobDescription,
  type JobOutcome,
  type JobResult,
  type KubeObject,
  mergePatch,
} from "../core/cluster.ts";
import { endedConditions } from "../core/names/kinds.ts";

export interface JobEnding {
  outcome: JobOutcome;
  logs: string;
  reason?: string;
}

export interface FakeBehaviour {
  /** How each Job ends; Complete with an empty log unless said otherwise. */
  job?: (job: KubeObject) => JobEnding;
  /** Answers exec (psql); undefined for a command the test does not expect. */
  exec?: (pod: string, command: string[]) => ExecResult | undefined;
}

export class FakeCluster implements Cluster {
  readonly objects = new Map<string, KubeObject>();
  readonly createdJobs: KubeObject[] = [];
  readonly scaled: string[] = [];
  /** Every suspend or resume of a CronJob, in order: "pgbackrest-full-backup=true". */
  readonly suspensions: string[] = [];
  /** Every command run in a pod, in order. */
  readonly execs: { pod: string; command: string[] }[] = [];
  /** Every call a product made, in order ("create ConfigMap/NS/NAME", "exec NS/postgres-0"), not the test's own apply. */
  readonly calls: string[] = [];
  private readonly endings = new Map<string, JobEnding>();
  /** Every write gives the object a new resourceVersion, as the API server does. */
  private revision = 0;
  behaviour: FakeBehaviour;

  constructor(behaviour: FakeBehaviour = {}) {
    this.behaviour = behaviour;
  }

  private key(kind: string, namespace: string, name: string): string {
    return `${kind}/${namespace}/${name}`;
  }

  async apply(objects: KubeObject[]): Promise<void> {
    for (const o of objects) this.store(structuredClone(o));
  }

  private store(object: KubeObject): void {
    const key = this.key(object.kind, object.metadata.namespace ?? "default", object.metadata.name);
    object.metadata.resourceVersion = String(++this.revision);
    // The API server names each object by a uid of its own, kept across updates; owners are named by it.
    object.metadata.uid =
      this.objects.get(key)?.metadata.uid ?? object.metadata.uid ?? randomUUID();
    this.objects.set(key, object);
  }

  async update(object: KubeObject): Promise<KubeObject> {
    const namespace = object.metadata.namespace ?? "default";
    this.calls.push(`update ${object.kind}/${namespace}/${object.metadata.name}`);
    const version = heldVersion(object);
    const stored = this.objects.get(this.key(object.kind, namespace, object.metadata.name));
    if (!stored || stored.metadata.resourceVersion !== version)
      throw new ConflictError(object.kind, namespace, object.metadata.name);
    this.store(mergePatch(stored, structuredClone(object)) as KubeObject);
    return this.peek(object.kind, namespace, object.metadata.name);
  }

  /** The stored object as the product would read it, without counting as a call. */
  private peek(kind: string, namespace: string, name: string): KubeObject {
    return structuredClone(this.objects.get(this.key(kind, namespace, name)) as KubeObject);
  }

  async get(kind: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    this.calls.push(`get ${kind}/${namespace}/${name}`);
    const object = this.objects.get(this.key(kind, namespace, name));
    return object && structuredClone(object);
  }

  async list(
    kind: string,
    namespace: string,
    labels: Record<string, string> = {},
  ): Promise<KubeObject[]> {
    this.calls.push(`list ${kind}/${namespace}`);
    return [...this.objects.values()].filter(
      (o) =>
        o.kind === kind &&
        o.metadata.namespace === namespace &&
        Object.entries(labels).every(([k, v]) => o.metadata.labels?.[k] === v),
    );
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const namespace = object.metadata.namespace ?? "default";
    this.calls.push(`create ${object.kind}/${namespace}/${object.metadata.name}`);
    if (this.objects.has(this.key(object.kind, namespace, object.metadata.name)))
      throw new AlreadyExistsError(object.kind, namespace, object.metadata.name);
    await this.apply([{ ...object, metadata: { ...object.metadata, namespace } }]);
    if (object.kind === "Job") this.runJob(object);
    return this.peek(object.kind, namespace, object.metadata.name);
  }

  /** Ends the Job at once the way the test said. */
  private runJob(job: KubeObject): void {
    this.createdJobs.push(job);
    const ending = this.behaviour.job?.(job) ?? { outcome: "Complete", logs: "" };
    this.endings.set(job.metadata.name, ending);
    const stored = this.objects.get(
      this.key("Job", job.metadata.namespace ?? "default", job.metadata.name),
    );
    if (stored) stored.status = { conditions: endedConditions(ending.outcome, ending.reason) };
  }

  async setSuspended(namespace: string, cronJob: string, suspended: boolean): Promise<void> {
    this.calls.push(`suspend CronJob/${namespace}/${cronJob}=${suspended}`);
    const object = this.objects.get(this.key("CronJob", namespace, cronJob));
    if (!object) throw new Error(`cronjob ${cronJob} not found`);
    object.spec = { ...(object.spec as object), suspend: suspended };
    this.suspensions.push(`${cronJob}=${suspended}`);
  }

  async waitForJob(namespace: string, name: string): Promise<JobResult> {
    this.calls.push(`wait Job/${namespace}/${name}`);
    const ending = this.endings.get(name);
    if (!ending) throw new Error(`job/${name} was never created`);
    return { name, outcome: ending.outcome, reason: ending.reason };
  }

  async waitForPodsReady(namespace: string): Promise<void> {
    this.calls.push(`wait pods/${namespace}`);
  }

  async logs(namespace: string, target: string): Promise<string> {
    this.calls.push(`logs ${namespace}/${target}`);
    return this.endings.get(target.replace(/^job\//, ""))?.logs ?? "";
  }

  async exec({ namespace, pod }: ExecTarget, command: string[]) {
    this.calls.push(`exec ${namespace}/${pod}`);
    this.execs.push({ pod, command });
    const answer = this.behaviour.exec?.(pod, command);
    if (!answer) throw new Error(`exec in ${pod}: ${command.join(" ")} not expected`);
    return answer;
  }

  async describeJob(namespace: string, name: string): Promise<JobDescription> {
    this.calls.push(`describe Job/${namespace}/${name}`);
    const containers = [{ name: "pgbackrest", state: "terminated (exit code 1)", restarts: 0 }];
    return { pods: [{ name: `${name}-x`, phase: "Failed", containers }], events: [] };
  }

  async scale(
    namespace: string,
    kind: "StatefulSet" | "Deployment",
    name: string,
    replicas: number,
  ): Promise<void> {
    this.calls.push(`scale ${kind}/${namespace}/${name}=${replicas}`);
    this.scaled.push(`${kind}/${name}=${replicas}`);
  }

  async delete(kind: string, namespace: string, name: string): Promise<void> {
    this.calls.push(`delete ${kind}/${namespace}/${name}`);
    this.objects.delete(this.key(kind, namespace, name));
  }
}
