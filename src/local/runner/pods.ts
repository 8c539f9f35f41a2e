// The pods of the local runner: building one from its spec (volumes, environment, the
// hosts file, an API socket when it gets a token), starting it in a network namespace of
// its own, and stopping it; which workload made each; where each claim's data lives.
import { chownSync, existsSync, mkdirSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import type { V1PodSpec } from "@kubernetes/client-node";
import { selects } from "../../core/label-selector.ts";
import { serviceUser } from "../host.ts";
import { keptNotEnforced } from "./admission.ts";
import { type ApiBackend, serveApi } from "./api.ts";
import { podEnvironments } from "./env.ts";
import { hostsFileOf } from "./hosts.ts";
import type { IngressEnforcement } from "./ingress.ts";
import type { Network } from "./network.ts";
import type { ObjectStore } from "./objects.ts";
import { LocalPod } from "./pod.ts";
import { runnerMounts } from "./stand-ins.ts";
import { prepareVolumes } from "./volumes.ts";

export interface PodsContext {
  /** The runner's state directory: pods/, claims/ and each namespace's hosts file live there. */
  dir: string;
  network: Network;
  objects: ObjectStore;
  ingress: IngressEnforcement;
  /** A notice for the person watching, said once however often it comes. */
  sayOnce(text: string): void;
  /** Something changed that waits and the hosts file depend on. */
  changed(): void;
}

export class Pods {
  private readonly pods = new Map<string, LocalPod>();
  /** "namespace/pod" → the workload that made it: "StatefulSet/postgres", "Job/...", "Pod/...". */
  private readonly owners = new Map<string, string>();
  private readonly servers = new Map<string, Server>();

  private readonly context: PodsContext;

  constructor(context: PodsContext) {
    this.context = context;
  }

  all(): LocalPod[] {
    return [...this.pods.values()];
  }

  find(namespace: string, name: string): LocalPod | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  ownedBy(owner: string, namespace: string): LocalPod[] {
    return this.all().filter(
      (p) => p.namespace === namespace && this.owners.get(`${namespace}/${p.name}`) === owner,
    );
  }

  matching(namespace: string, labels: Record<string, string>): LocalPod[] {
    return this.all().filter(
      (p) => p.namespace === namespace && selects({ matchLabels: labels }, p.labels),
    );
  }

  /** Where a PersistentVolumeClaim's data lives on this machine, made for postgres when asked. */
  claimDir(namespace: string, name: string, create: boolean): string {
    const dir = join(this.context.dir, "claims", namespace, name);
    if (create && !existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o750 });
      const { uid, gid } = serviceUser();
      chownSync(dir, uid, gid);
    }
    return dir;
  }

  async start(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    spec: V1PodSpec,
    owner: string,
  ): Promise<LocalPod> {
    const { objects, network: networks } = this.context;
    const podKey = `${namespace}/${name}`;
    if (this.pods.has(podKey))
      throw new Error(`pod ${name} already exists in namespace ${namespace}`);
    for (const notice of keptNotEnforced(spec)) this.context.sayOnce(notice);
    const dir = join(this.context.dir, "pods", `${namespace}-${name}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const network = await networks.addPod();
    try {
      const lookup = {
        configMap: (n: string) => objects.get("ConfigMap", namespace, n),
        secret: (n: string) => objects.get("Secret", namespace, n),
      };
      const claim = (n: string) =>
        objects.has("PersistentVolumeClaim", namespace, n)
          ? this.claimDir(namespace, n, true)
          : undefined;
      const volumes = prepareVolumes(spec, dir, { ...lookup, claim }, serviceUser());
      const serviceAccount = spec.serviceAccountName ?? "default";
      const identity = { name, namespace, address: network.address, serviceAccount };
      const env = podEnvironments(spec, identity, lookup);
      const extraMounts = runnerMounts(hostsFileOf(this.context.dir, namespace));
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
        hide: [this.context.dir],
        onChange: () => this.context.changed(),
      });
      this.pods.set(podKey, pod);
      this.owners.set(podKey, owner);
      // Its own rules, and its admission by the others, before its first process runs.
      await this.context.ingress.update();
      pod.start();
      return pod;
    } catch (error) {
      this.pods.delete(podKey);
      this.owners.delete(podKey);
      await networks.removePod(network);
      throw new Error(`start pod ${name}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** A pod gets an API token unless its pod spec or its ServiceAccount turns it off. */
  private hasApiToken(namespace: string, spec: V1PodSpec): boolean {
    if (spec.automountServiceAccountToken !== undefined) return spec.automountServiceAccountToken;
    const account = this.context.objects.get(
      "ServiceAccount",
      namespace,
      spec.serviceAccountName ?? "default",
    );
    return account?.automountServiceAccountToken !== false;
  }

  /** What a pod's API socket serves: the namespace's objects and exec into its pods. */
  private apiBackend(): ApiBackend {
    return {
      objects: (kind, namespace) => this.context.objects.ofKind(kind, namespace),
      exec: (r, onOutput) => {
        const target = this.find(r.namespace, r.pod);
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

  async stop(namespace: string, name: string, graceMs?: number): Promise<void> {
    const podKey = `${namespace}/${name}`;
    const pod = this.pods.get(podKey);
    if (!pod) return;
    await pod.stop(graceMs);
    const server = this.servers.get(podKey);
    if (server) await new Promise((resolve) => server.close(resolve));
    this.servers.delete(podKey);
    await this.context.network.removePod(pod.network);
    this.pods.delete(podKey);
    this.owners.delete(podKey);
    this.context.changed();
  }

  async stopAll(graceMs: number): Promise<void> {
    await Promise.all(this.all().map((p) => this.stop(p.namespace, p.name, graceMs)));
  }
}
