// Enforcing NetworkPolicy ingress on the local runner: every pod's firewall rules are
// rewritten from the policies and the pods there are now, whenever either changes.
import type { KubeObject } from "../../core/cluster.ts";
import type { Network } from "./network.ts";
import { ingressAllows } from "./network-policy.ts";
import type { LocalPod } from "./pod.ts";

export interface IngressSources {
  policies(): KubeObject[];
  pods(): LocalPod[];
  namespaceLabels(name: string): Record<string, string>;
  /** Whether the pod is still the one running under its name. */
  isCurrent(pod: LocalPod): boolean;
}

export class IngressEnforcement {
  /** Rules are rewritten one pass at a time, in the order of the changes. */
  private pass: Promise<void> = Promise.resolve();

  readonly enabled: boolean;
  private readonly network: Network;
  private readonly sources: IngressSources;

  constructor(enabled: boolean, network: Network, sources: IngressSources) {
    this.enabled = enabled;
    this.network = network;
    this.sources = sources;
  }

  /** Rewrites every pod's ingress rules; nothing when policies are kept, not enforced. */
  update(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const pass = this.pass.then(() => this.rewrite());
    // A failed pass fails its caller, not the passes after it.
    this.pass = pass.catch(() => {});
    return pass;
  }

  private async rewrite(): Promise<void> {
    const policies = this.sources.policies();
    const pods = this.sources.pods().map((pod) => ({
      pod,
      namespace: pod.namespace,
      labels: pod.labels,
      address: pod.address,
      ports: pod.spec.containers.flatMap((c) => c.ports ?? []),
    }));
    for (const target of pods) {
      try {
        await this.network.setIngress(
          target.pod.network,
          ingressAllows(target, policies, pods, (name) => this.sources.namespaceLabels(name)),
        );
      } catch (error) {
        // A pod stopped meanwhile took its namespace, and its rules, with it.
        if (this.sources.isCurrent(target.pod)) throw error;
      }
    }
  }
}
