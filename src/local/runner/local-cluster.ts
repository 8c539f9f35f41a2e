// The local cluster runner: the cluster operations of src/core/cluster.ts, carried out by
// running the manifests' pods as processes on this machine. It keeps the objects it is
// given (objects.ts), runs their pods (pods.ts, pod.ts), StatefulSets and Deployments
// (workloads.ts), Jobs (job.ts) and bare Pods, starts CronJobs on demand, enforces
// NetworkPolicy ingress when asked (ingress.ts), and resolves Services by name. It is not
// a Kubernetes: no API server, no scheduler, no controllers beyond these.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1PodSpec } from "@kubernetes/client-node";
import * as cluster from "../../core/cluster.ts";
import { selects } from "../../core/label-selector.ts";
import { requireRoot } from "../host.ts";
import { admit } from "./admission.ts";
import { Changes } from "./changes.ts";
import { writeHostsFiles } from "./hosts.ts";
import { IngressEnforcement } from "./ingress.ts";
import { LocalJob } from "./job.ts";
import { isAlive, Network, removeStaleNamespaces } from "./network.ts";
import { ObjectStore } from "./objects.ts";
import { Pods } from "./pods.ts";
import { reconcile } from "./workloads.ts";

type KubeObject = cluster.KubeObject;

const STATE_PREFIX = "mcpgov-cluster-";

export interface LocalClusterOptions {
  /** Progress lines for a person watching (one per notable event). */
  log?: (line: string) => void;
  /**
   * Enforce the ingress of NetworkPolicies (TCP; see Network.setIngress). Off by default:
   * policies are then kept, not enforced.
   */
  enforceIngressPolicies?: boolean;
}

export class LocalCluster implements cluster.Cluster {
  readonly dir: string;
  private readonly network: Network;
  private readonly log: (line: string) => void;
  private readonly objects = new ObjectStore();
  private readonly pods: Pods;
  private readonly ingress: IngressEnforcement;
  private readonly jobs = new Map<string, LocalJob>();
  private readonly said = new Set<string>();
  private readonly changes = new Changes();

  private constructor(
    dir: string,
    network: Network,
    log: (line: string) => void,
    enforceIngress: boolean,
  ) {
    this.dir = dir;
    this.network = network;
    this.log = log;
    this.ingress = new IngressEnforcement(enforceIngress, network, {
      policies: () => this.objects.ofKind("NetworkPolicy"),
      pods: () => this.pods.all(),
      namespaceLabels: (name) => this.objects.namespaceLabels(name),
      isCurrent: (pod) => this.pods.find(pod.namespace, pod.name) === pod,
    });
    this.pods = new Pods({
      dir,
      network,
      objects: this.objects,
      ingress: this.ingress,
      sayOnce: (text) => this.sayOnce(text),
      changed: () => this.changed(),
    });
  }

  /** Starts an empty local cluster, after removing what crashed runners left behind. */
  static async start(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    requireRoot();
    const log = options.log ?? (() => {});
    for (const name of await removeStaleNamespaces())
      log(`removed ${name}, left by a runner that is gone`);
    for (const entry of readdirSync(tmpdir())) {
      const owner = new RegExp(`^${STATE_PREFIX}(\\d+)-`).exec(entry)?.[1];
      if (owner && !isAlive(Number(owner)))
        rmSync(join(tmpdir(), entry), { recursive: true, force: true });
    }
    const dir = mkdtempSync(join(tmpdir(), `${STATE_PREFIX}${process.pid}-`));
    for (const sub of ["pods", "claims"]) mkdirSync(join(dir, sub));
    const network = await Network.create();
    return new LocalCluster(dir, network, log, options.enforceIngressPolicies === true);
  }

  private sayOnce(text: string): void {
    if (this.said.has(text)) return;
    this.said.add(text);
    this.log(text);
  }

  /** Every pod's /etc/hosts is written again, and the waits look again. */
  private changed(): void {
    writeHostsFiles(this.dir, this.pods.all(), this.objects.all());
    this.changes.notify();
  }

  private job(namespace: string, name: string): LocalJob | undefined {
    return this.jobs.get(`${namespace}/${name}`);
  }

  // ---- objects -------------------------------------------------------------------------

  async apply(objects: KubeObject[]): Promise<void> {
    for (const object of objects) await this.applyOne(object);
  }

  private async applyOne(object: KubeObject): Promise<void> {
    const { kind, metadata } = object;
    const namespace = metadata.namespace ?? "default";
    admit(object, this.ingress.enabled, (text) => this.sayOnce(text));
    const previous = this.objects.get(kind, namespace, metadata.name);
    if ((kind === "Job" || kind === "Pod") && previous) {
      if (kind === "Job" && this.changeTtl(previous, object)) return;
      if (JSON.stringify(previous.spec) !== JSON.stringify(object.spec)) {
        throw new Error(`apply ${kind}/${metadata.name}: spec is immutable; delete it first`);
      }
      return;
    }
    const stored = this.objects.put(object);
    if (kind === "PersistentVolumeClaim") this.pods.claimDir(namespace, metadata.name, true);
    if (kind === "NetworkPolicy") await this.ingress.update();
    if (kind === "StatefulSet" || kind === "Deployment")
      await reconcile(this.pods, stored, previous);
    if (kind === "Job") await this.startJob(stored);
    if (kind === "Pod") {
      const labels = (stored.metadata.labels ?? {}) as cluster.Labels;
      await this.pods.start(
        namespace,
        metadata.name,
        labels,
        stored.spec as V1PodSpec,
        `Pod/${metadata.name}`,
      );
    }
    this.changed();
  }

  /** A Job's time after it ends may change, unlike the rest of its spec: whether only it did. */
  private changeTtl(previous: KubeObject, object: KubeObject): boolean {
    type Ttl = { ttlSecondsAfterFinished?: number };
    const ttl = (object.spec as Ttl).ttlSecondsAfterFinished;
    if (ttl === (previous.spec as Ttl).ttlSecondsAfterFinished) return false;
    const spec = { ...(previous.spec as object), ttlSecondsAfterFinished: ttl };
    if (JSON.stringify(spec) !== JSON.stringify(object.spec)) return false;
    this.objects.replace({ ...previous, spec });
    this.job(previous.metadata.namespace ?? "default", previous.metadata.name)?.keepFor(ttl);
    this.changed();
    return true;
  }

  async get(kind: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    const object = this.objects.get(kind, namespace, name);
    if (!object) return undefined;
    if (kind === "Job") return { ...object, status: this.job(namespace, name)?.status() };
    if (kind === "StatefulSet" || kind === "Deployment") {
      const pods = this.pods.ownedBy(`${kind}/${name}`, namespace);
      return {
        ...object,
        status: { replicas: pods.length, readyReplicas: pods.filter((p) => p.ready).length },
      };
    }
    // A copy, as the API server's answer is: a change to it is not a change to the cluster.
    return structuredClone(object);
  }

  async list(kind: string, namespace: string, labels: cluster.Labels = {}): Promise<KubeObject[]> {
    if (kind === "Pod") {
      return this.pods.matching(namespace, labels).map((p) => ({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: p.name, namespace, labels: p.labels },
        status: { phase: p.phase, podIP: p.address, ready: p.ready },
      }));
    }
    const found: KubeObject[] = [];
    for (const object of this.objects.ofKind(kind, namespace)) {
      if (!selects({ matchLabels: labels }, object.metadata.labels)) continue;
      found.push((await this.get(kind, namespace, object.metadata.name)) ?? object);
    }
    return found;
  }

  async delete(kind: string, namespace: string, name: string): Promise<void> {
    const object = this.objects.get(kind, namespace, name);
    if (kind === "Pod" && !object) {
      await this.pods.stop(namespace, name);
      return;
    }
    if (!object) throw new Error(`delete ${kind}/${name}: not found in namespace ${namespace}`);
    if (kind === "Job") {
      await this.job(namespace, name)?.stop();
      this.jobs.delete(`${namespace}/${name}`);
    }
    if (kind === "StatefulSet" || kind === "Deployment" || kind === "Pod") {
      for (const pod of this.pods.ownedBy(`${kind}/${name}`, namespace))
        await this.pods.stop(namespace, pod.name);
    }
    if (kind === "PersistentVolumeClaim")
      rmSync(this.pods.claimDir(namespace, name, false), { recursive: true, force: true });
    this.objects.delete(kind, namespace, name);
    if (kind === "NetworkPolicy") await this.ingress.update();
    this.changed();
    // The garbage collector: what it owned goes once none of its owners is left.
    const owners = new Set(this.objects.all().map((o) => o.metadata.uid));
    for (const dependent of this.objects.all())
      if (
        dependent.metadata.namespace === namespace &&
        dependent.metadata.ownerReferences?.some((r) => r.uid === object.metadata.uid) &&
        !dependent.metadata.ownerReferences.some((r) => owners.has(r.uid))
      )
        await this.delete(dependent.kind, namespace, dependent.metadata.name).catch(() => {});
  }

  /** Where a PersistentVolumeClaim's data lives on this machine. */
  claimPath(namespace: string, name: string): string {
    return this.pods.claimDir(namespace, name, false);
  }

  // ---- workloads -------------------------------------------------------------------------

  async scale(namespace: string, kind: cluster.WorkloadKind, name: string, replicas: number) {
    const object = this.objects.get(kind, namespace, name);
    if (!object) throw new Error(`scale ${kind}/${name}: not found in namespace ${namespace}`);
    const updated = { ...object, spec: { ...(object.spec as object), replicas } };
    this.objects.replace(updated);
    await reconcile(this.pods, updated, updated);
    this.changed();
  }

  async setSuspended(namespace: string, cronJob: string, suspended: boolean): Promise<void> {
    const object = this.objects.get("CronJob", namespace, cronJob);
    if (!object) throw new Error(`cronjob ${cronJob}: not found in namespace ${namespace}`);
    this.objects.replace({ ...object, spec: { ...(object.spec as object), suspend: suspended } });
    this.changed();
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const namespace = object.metadata.namespace ?? "default";
    const { kind, metadata } = object;
    if (this.objects.has(kind, namespace, metadata.name))
      throw new cluster.AlreadyExistsError(kind, namespace, metadata.name);
    await this.applyOne(object);
    return (await this.get(kind, namespace, metadata.name)) as KubeObject;
  }

  async update(object: KubeObject): Promise<KubeObject> {
    const namespace = object.metadata.namespace ?? "default";
    const { kind, metadata } = object;
    const stored = this.objects.get(kind, namespace, metadata.name);
    if (stored?.metadata.resourceVersion !== cluster.heldVersion(object) || !stored)
      throw new cluster.ConflictError(kind, namespace, metadata.name);
    // Only the data objects a record or a lock is kept in: a workload changes by apply or scale.
    if (kind !== "ConfigMap" && kind !== "Lease")
      throw new Error(
        `update ${kind}/${metadata.name}: the local runner updates ConfigMaps and Leases only`,
      );
    this.objects.replace(cluster.mergePatch(stored, object) as KubeObject);
    this.changed();
    return (await this.get(kind, namespace, metadata.name)) as KubeObject;
  }

  private async startJob(object: KubeObject): Promise<void> {
    const job = new LocalJob(object, {
      startPod: (namespace, name, labels, spec, owner) =>
        this.pods.start(namespace, name, labels, spec, owner),
      stopPod: (namespace, name) => this.pods.stop(namespace, name),
      changed: () => this.changed(),
      hasClaim: (namespace, name) => this.objects.has("PersistentVolumeClaim", namespace, name),
      expire: async () => {
        const { namespace = "default", name } = object.metadata;
        this.log(`job/${name} removed: its ttlSecondsAfterFinished after it ended is over`);
        await this.delete("Job", namespace, name);
      },
    });
    this.jobs.set(`${object.metadata.namespace ?? "default"}/${object.metadata.name}`, job);
    await job.start();
  }

  waitForJob(namespace: string, name: string, timeoutMs: number): Promise<cluster.JobResult> {
    if (!this.job(namespace, name))
      return Promise.reject(new Error(`wait for job/${name}: not found in namespace ${namespace}`));
    return this.changes.until(
      `job/${name} to complete`,
      timeoutMs,
      () => this.job(namespace, name)?.result,
    );
  }

  async waitForPodsReady(
    namespace: string,
    labels: cluster.Labels,
    timeoutMs: number,
  ): Promise<void> {
    const selector = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    await this.changes.until(`pods ${selector} to be ready`, timeoutMs, () => {
      const pods = this.pods.matching(namespace, labels);
      return pods.length > 0 && pods.every((p) => p.ready) ? true : undefined;
    });
  }

  // ---- pods ------------------------------------------------------------------------------

  async logs(namespace: string, target: string, container?: string): Promise<string> {
    const pod = target.startsWith("job/")
      ? this.job(namespace, target.slice(4))?.pods.at(-1)
      : this.pods.find(namespace, target);
    if (!pod) throw new Error(`logs ${target}: no pod found in namespace ${namespace}`);
    return pod.logs(container);
  }

  async exec(
    { namespace, pod, container }: cluster.ExecTarget,
    command: string[],
  ): Promise<cluster.ExecResult> {
    const found = this.pods.find(namespace, pod);
    if (!found) throw new Error(`pods "${pod}" not found in namespace ${namespace}`);
    return found.exec(container || (found.containerNames()[0] ?? ""), command);
  }

  async describeJob(namespace: string, name: string): Promise<cluster.JobDescription> {
    const job = this.job(namespace, name);
    if (!job) throw new Error(`describe job/${name}: not found in namespace ${namespace}`);
    const pods = job.pods.map((pod) => ({
      name: pod.name,
      phase: pod.phase,
      containers: pod.containerStates(),
    }));
    const reason = job.result?.reason;
    const events = reason
      ? [{ object: `Job/${name}`, type: "Warning", reason, message: job.result?.message ?? "" }]
      : [];
    return { pods, events };
  }

  /** Stops every pod and removes every namespace and directory the cluster made. */
  async shutdown(): Promise<void> {
    for (const job of this.jobs.values()) await job.stop();
    await this.pods.stopAll(10_000);
    await this.network.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
