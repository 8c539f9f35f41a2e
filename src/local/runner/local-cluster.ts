// The local cluster runner: the cluster operations of src/core/cluster.ts, carried out by
// running the manifests' pods as processes on this machine (see pod.ts). It keeps the
// objects it is given, runs StatefulSets, Deployments, Jobs and bare Pods, starts
// CronJobs on demand, and resolves Services by name. It is not a Kubernetes: no API
// server, no scheduler, no controllers beyond these.
import { randomBytes } from "node:crypto";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1PodSpec } from "@kubernetes/client-node";
import {
  AlreadyExistsError,
  type Cluster,
  type ExecResult,
  type JobDescription,
  type JobResult,
  type KubeObject,
} from "../../core/cluster.ts";
import { selects } from "../../core/label-selector.ts";
import { requireRoot, serviceUser } from "../host.ts";
import { admit, keptNotEnforced } from "./admission.ts";
import { type ApiBackend, serveApi } from "./api.ts";
import { Changes } from "./changes.ts";
import { podEnvironments } from "./env.ts";
import { writeHostsFile } from "./hosts.ts";
import { LocalJob } from "./job.ts";
import { isAlive, Network, removeStaleNamespaces } from "./network.ts";
import { ingressAllows } from "./network-policy.ts";
import { LocalPod } from "./pod.ts";
import { runnerMounts } from "./stand-ins.ts";
import { prepareVolumes } from "./volumes.ts";

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

function key(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function suffix(): string {
  return randomBytes(3).toString("hex").slice(0, 5);
}

export class LocalCluster implements Cluster {
  readonly dir: string;
  private readonly network: Network;
  private readonly log: (line: string) => void;
  private readonly objects = new Map<string, KubeObject>();
  private readonly pods = new Map<string, LocalPod>();
  /** "namespace/pod" → the workload that made it: "StatefulSet/postgres", "Job/...", "Pod/...". */
  private readonly owners = new Map<string, string>();
  private readonly jobs = new Map<string, LocalJob>();
  private readonly servers = new Map<string, Server>();
  private readonly said = new Set<string>();
  private readonly changes = new Changes();
  private readonly enforceIngress: boolean;
  /** Ingress rules are rewritten one pass at a time, in the order of the changes. */
  private ingressPass: Promise<void> = Promise.resolve();

  private constructor(
    dir: string,
    network: Network,
    log: (line: string) => void,
    enforceIngress: boolean,
  ) {
    this.dir = dir;
    this.network = network;
    this.log = log;
    this.enforceIngress = enforceIngress;
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
    writeFileSync(join(dir, "hosts"), "127.0.0.1 localhost\n");
    const network = await Network.create();
    return new LocalCluster(dir, network, log, options.enforceIngressPolicies === true);
  }

  private sayOnce(text: string): void {
    if (this.said.has(text)) return;
    this.said.add(text);
    this.log(text);
  }

  private changed(): void {
    this.writeHosts();
    this.changes.notify();
  }

  // ---- objects -------------------------------------------------------------------------

  async apply(objects: KubeObject[]): Promise<void> {
    for (const object of objects) await this.applyOne(object);
  }

  private async applyOne(object: KubeObject): Promise<void> {
    const kind = object.kind;
    const namespace = object.metadata.namespace ?? "default";
    const name = object.metadata.name;
    admit(object, this.enforceIngress, (text) => this.sayOnce(text));
    const id = key(kind, namespace, name);
    const previous = this.objects.get(id);
    if ((kind === "Job" || kind === "Pod") && previous) {
      if (JSON.stringify(previous.spec) !== JSON.stringify(object.spec)) {
        throw new Error(`apply ${kind}/${name}: spec is immutable; delete it first`);
      }
      return;
    }
    const stored: KubeObject = {
      ...structuredClone(object),
      metadata: {
        ...structuredClone(object.metadata),
        namespace,
        creationTimestamp: new Date().toISOString(),
      },
    };
    this.objects.set(id, stored);
    if (kind === "PersistentVolumeClaim") this.claimDir(namespace, name, true);
    if (kind === "NetworkPolicy") await this.updateIngress();
    if (kind === "StatefulSet" || kind === "Deployment") await this.reconcile(stored, previous);
    if (kind === "Job") await this.startJob(stored);
    if (kind === "Pod")
      await this.startPod(
        namespace,
        name,
        (stored.metadata.labels ?? {}) as Record<string, string>,
        stored.spec as V1PodSpec,
        `Pod/${name}`,
      );
    this.changed();
  }

  /** Rewrites every pod's ingress rules from the policies and the pods there are now. */
  private updateIngress(): Promise<void> {
    if (!this.enforceIngress) return Promise.resolve();
    const pass = this.ingressPass.then(async () => {
      const policies = [...this.objects.values()].filter((o) => o.kind === "NetworkPolicy");
      const pods = [...this.pods.values()].map((p) => ({
        pod: p,
        namespace: p.namespace,
        labels: p.labels,
        address: p.address,
        ports: p.spec.containers.flatMap((c) => c.ports ?? []),
      }));
      const namespaceLabels = (name: string) =>
        (this.objects.get(key("Namespace", "default", name))?.metadata.labels ?? {}) as Record<
          string,
          string
        >;
      for (const target of pods) {
        const stillThere = () =>
          this.pods.get(`${target.namespace}/${target.pod.name}`) === target.pod;
        try {
          await this.network.setIngress(
            target.pod.network,
            ingressAllows(target, policies, pods, namespaceLabels),
          );
        } catch (error) {
          // A pod stopped meanwhile took its namespace, and its rules, with it.
          if (stillThere()) throw error;
        }
      }
    });
    // A failed pass fails its caller, not the passes after it.
    this.ingressPass = pass.catch(() => {});
    return pass;
  }

  async get(kind: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    const object = this.objects.get(key(kind, namespace, name));
    if (!object) return undefined;
    if (kind === "Job")
      return { ...object, status: this.jobs.get(key(kind, namespace, name))?.status() };
    if (kind === "StatefulSet" || kind === "Deployment") {
      const pods = this.podsOf(`${kind}/${name}`, namespace);
      return {
        ...object,
        status: { replicas: pods.length, readyReplicas: pods.filter((p) => p.ready).length },
      };
    }
    return object;
  }

  async list(
    kind: string,
    namespace: string,
    labels: Record<string, string> = {},
  ): Promise<KubeObject[]> {
    const matches = (l: Record<string, string> | undefined) => selects({ matchLabels: labels }, l);
    if (kind === "Pod") {
      return [...this.pods.values()]
        .filter((p) => p.namespace === namespace && matches(p.labels))
        .map((p) => ({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: p.name, namespace, labels: p.labels },
          status: { phase: p.phase, podIP: p.address, ready: p.ready },
        }));
    }
    const found: KubeObject[] = [];
    for (const object of this.objects.values()) {
      if (
        object.kind !== kind ||
        object.metadata.namespace !== namespace ||
        !matches(object.metadata.labels)
      )
        continue;
      found.push((await this.get(kind, namespace, object.metadata.name)) ?? object);
    }
    return found;
  }

  async delete(kind: string, namespace: string, name: string): Promise<void> {
    const id = key(kind, namespace, name);
    const object = this.objects.get(id);
    if (kind === "Pod" && !object) {
      await this.stopPod(namespace, name);
      return;
    }
    if (!object) throw new Error(`delete ${kind}/${name}: not found in namespace ${namespace}`);
    if (kind === "Job") {
      await this.jobs.get(id)?.stop();
      this.jobs.delete(id);
    }
    if (kind === "StatefulSet" || kind === "Deployment" || kind === "Pod") {
      for (const pod of this.podsOf(`${kind}/${name}`, namespace))
        await this.stopPod(namespace, pod.name);
    }
    if (kind === "PersistentVolumeClaim")
      rmSync(this.claimDir(namespace, name, false), { recursive: true, force: true });
    this.objects.delete(id);
    if (kind === "NetworkPolicy") await this.updateIngress();
    this.changed();
  }

  // ---- pods ------------------------------------------------------------------------------

  private podsOf(owner: string, namespace: string): LocalPod[] {
    return [...this.pods.values()].filter(
      (p) => p.namespace === namespace && this.owners.get(`${namespace}/${p.name}`) === owner,
    );
  }

  /** Where a PersistentVolumeClaim's data lives on this machine. */
  claimPath(namespace: string, name: string): string {
    return this.claimDir(namespace, name, false);
  }

  private claimDir(namespace: string, name: string, create: boolean): string {
    const dir = join(this.dir, "claims", namespace, name);
    if (create && !existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o750 });
      const { uid, gid } = serviceUser();
      chownSync(dir, uid, gid);
    }
    return dir;
  }

  private async startPod(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    spec: V1PodSpec,
    owner: string,
  ): Promise<LocalPod> {
    const podKey = `${namespace}/${name}`;
    if (this.pods.has(podKey))
      throw new Error(`pod ${name} already exists in namespace ${namespace}`);
    for (const notice of keptNotEnforced(spec)) this.sayOnce(notice);
    const dir = join(this.dir, "pods", `${namespace}-${name}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const network = await this.network.addPod();
    try {
      const lookup = {
        configMap: (n: string) => this.objects.get(key("ConfigMap", namespace, n)),
        secret: (n: string) => this.objects.get(key("Secret", namespace, n)),
      };
      const volumes = prepareVolumes(
        spec,
        dir,
        {
          ...lookup,
          claim: (n) =>
            this.objects.has(key("PersistentVolumeClaim", namespace, n))
              ? this.claimDir(namespace, n, true)
              : undefined,
        },
        serviceUser(),
      );
      const serviceAccount = spec.serviceAccountName ?? "default";
      const identity = { name, namespace, address: network.address, serviceAccount };
      const env = podEnvironments(spec, identity, lookup);
      const extraMounts = runnerMounts(join(this.dir, "hosts"));
      if (this.hasApiToken(namespace, spec)) {
        const socket = join(dir, "api.sock");
        this.servers.set(
          podKey,
          await serveApi(socket, this.apiBackend(), namespace, serviceAccount),
        );
        extraMounts.push({
          source: socket,
          target: "/run/mcpgov-runner/api.sock",
          readOnly: false,
        });
      }
      const pod = new LocalPod({
        name,
        namespace,
        labels,
        spec,
        dir,
        network,
        volumes,
        env,
        extraMounts,
        hide: [this.dir],
        onChange: () => this.changed(),
      });
      this.pods.set(podKey, pod);
      this.owners.set(podKey, owner);
      // Its own rules, and its admission by the others, before its first process runs.
      await this.updateIngress();
      pod.start();
      return pod;
    } catch (error) {
      this.pods.delete(podKey);
      this.owners.delete(podKey);
      await this.network.removePod(network);
      throw new Error(`start pod ${name}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** A pod gets an API token unless its pod spec or its ServiceAccount turns it off. */
  private hasApiToken(namespace: string, spec: V1PodSpec): boolean {
    if (spec.automountServiceAccountToken !== undefined) return spec.automountServiceAccountToken;
    const account = this.objects.get(
      key("ServiceAccount", namespace, spec.serviceAccountName ?? "default"),
    );
    return account?.automountServiceAccountToken !== false;
  }

  private apiBackend(): ApiBackend {
    return {
      objects: (kind, namespace) =>
        [...this.objects.values()].filter(
          (o) => o.kind === kind && o.metadata.namespace === namespace,
        ),
      exec: (r, onOutput) => {
        const target = this.pods.get(`${r.namespace}/${r.pod}`);
        if (!target) throw new Error(`pods "${r.pod}" not found`);
        return target.exec(
          r.container || (target.containerNames()[0] ?? ""),
          r.command,
          0,
          onOutput,
        );
      },
    };
  }

  private async stopPod(namespace: string, name: string, graceMs?: number): Promise<void> {
    const podKey = `${namespace}/${name}`;
    const pod = this.pods.get(podKey);
    if (!pod) return;
    await pod.stop(graceMs);
    const server = this.servers.get(podKey);
    if (server) await new Promise((resolve) => server.close(resolve));
    this.servers.delete(podKey);
    await this.network.removePod(pod.network);
    this.pods.delete(podKey);
    this.owners.delete(podKey);
    this.changed();
  }

  /** /etc/hosts of every pod, written again after every change. */
  private writeHosts(): void {
    writeHostsFile(join(this.dir, "hosts"), [...this.pods.values()], [...this.objects.values()]);
  }

  // ---- workloads -------------------------------------------------------------------------

  private async reconcile(object: KubeObject, previous: KubeObject | undefined): Promise<void> {
    const namespace = object.metadata.namespace ?? "default";
    const owner = `${object.kind}/${object.metadata.name}`;
    const spec = object.spec as {
      replicas?: number;
      template: { metadata?: { labels?: Record<string, string> }; spec: V1PodSpec };
    };
    const changedTemplate =
      previous &&
      JSON.stringify((previous.spec as typeof spec).template) !== JSON.stringify(spec.template);
    if (changedTemplate) {
      for (const pod of this.podsOf(owner, namespace)) await this.stopPod(namespace, pod.name);
    }
    const want = spec.replicas ?? 1;
    const pods = this.podsOf(owner, namespace);
    if (object.kind === "StatefulSet") {
      for (let i = 0; i < want; i++) {
        const name = `${object.metadata.name}-${i}`;
        if (!pods.some((p) => p.name === name))
          await this.startPod(
            namespace,
            name,
            spec.template.metadata?.labels ?? {},
            spec.template.spec,
            owner,
          );
      }
      for (const pod of pods) {
        if (Number(pod.name.split("-").pop()) >= want) await this.stopPod(namespace, pod.name);
      }
    } else {
      for (let i = pods.length; i < want; i++) {
        await this.startPod(
          namespace,
          `${object.metadata.name}-${suffix()}`,
          spec.template.metadata?.labels ?? {},
          spec.template.spec,
          owner,
        );
      }
      for (const pod of pods.slice(want)) await this.stopPod(namespace, pod.name);
    }
  }

  async scale(
    namespace: string,
    kind: "StatefulSet" | "Deployment",
    name: string,
    replicas: number,
  ): Promise<void> {
    const object = this.objects.get(key(kind, namespace, name));
    if (!object) throw new Error(`scale ${kind}/${name}: not found in namespace ${namespace}`);
    const updated = { ...object, spec: { ...(object.spec as object), replicas } };
    this.objects.set(key(kind, namespace, name), updated);
    await this.reconcile(updated, updated);
    this.changed();
  }

  async createJob(job: KubeObject): Promise<KubeObject> {
    return this.create(job);
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const namespace = object.metadata.namespace ?? "default";
    const { kind, name } = { kind: object.kind, name: object.metadata.name };
    if (this.objects.has(key(kind, namespace, name)))
      throw new AlreadyExistsError(kind, namespace, name);
    await this.applyOne(object);
    return (await this.get(kind, namespace, name)) as KubeObject;
  }

  private async startJob(object: KubeObject): Promise<void> {
    const job = new LocalJob(object, {
      startPod: (namespace, name, labels, spec, owner) =>
        this.startPod(namespace, name, labels, spec, owner),
      stopPod: (namespace, name) => this.stopPod(namespace, name),
      changed: () => this.changed(),
    });
    this.jobs.set(key("Job", object.metadata.namespace ?? "default", object.metadata.name), job);
    await job.start();
  }

  waitForJob(namespace: string, name: string, timeoutMs: number): Promise<JobResult> {
    const id = key("Job", namespace, name);
    if (!this.jobs.has(id))
      return Promise.reject(new Error(`wait for job/${name}: not found in namespace ${namespace}`));
    return this.changes.until(
      `job/${name} to complete`,
      timeoutMs,
      () => this.jobs.get(id)?.result,
    );
  }

  async waitForPodsReady(
    namespace: string,
    labels: Record<string, string>,
    timeoutMs: number,
  ): Promise<void> {
    const selector = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    await this.changes.until(`pods ${selector} to be ready`, timeoutMs, () => {
      const pods = [...this.pods.values()].filter(
        (p) => p.namespace === namespace && selects({ matchLabels: labels }, p.labels),
      );
      return pods.length > 0 && pods.every((p) => p.ready) ? true : undefined;
    });
  }

  async logs(namespace: string, target: string, container?: string): Promise<string> {
    if (target.startsWith("job/")) {
      const pod = this.jobs.get(key("Job", namespace, target.slice(4)))?.pods.at(-1);
      if (!pod) throw new Error(`logs ${target}: no pod found in namespace ${namespace}`);
      return pod.logs(container);
    }
    const pod = this.pods.get(`${namespace}/${target}`);
    if (!pod) throw new Error(`logs ${target}: pod not found in namespace ${namespace}`);
    return pod.logs(container);
  }

  async exec(
    namespace: string,
    pod: string,
    container: string,
    command: string[],
  ): Promise<ExecResult> {
    const target = this.pods.get(`${namespace}/${pod}`);
    if (!target) throw new Error(`pods "${pod}" not found in namespace ${namespace}`);
    return target.exec(container || (target.containerNames()[0] ?? ""), command);
  }

  async describeJob(namespace: string, name: string): Promise<JobDescription> {
    const job = this.jobs.get(key("Job", namespace, name));
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
    await Promise.all(
      [...this.pods.values()].map((p) => this.stopPod(p.namespace, p.name, 10_000)),
    );
    await this.network.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
