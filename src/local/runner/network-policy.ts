// NetworkPolicy ingress as Kubernetes evaluates it, for the local runner to enforce: a pod
// that no policy selects for Ingress accepts everything; a pod that any does accepts only
// the union of their rules. Only what the runner can enforce is accepted: TCP ports, pod
// and namespace selectors; ipBlock, endPort and other protocols are refused by name.
import type { KubeObject } from "../../core/cluster.ts";
import { type LabelSelector, SELECTOR_OPERATORS, selects } from "../../core/label-selector.ts";

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: object;
}

interface PolicyPort {
  port?: number | string;
  protocol?: string;
  endPort?: number;
}

interface PolicySpec {
  podSelector?: LabelSelector;
  policyTypes?: string[];
  ingress?: { from?: PolicyPeer[]; ports?: PolicyPort[] }[];
  egress?: object[];
}

/** A pod as policies see it: where it is, its labels, its address and its named ports. */
export interface PolicyPod {
  namespace: string;
  labels: Record<string, string>;
  address: string;
  ports: { name?: string; containerPort: number }[];
}

/** One kind of connection a pod accepts: from these addresses (any when absent) to this TCP port (any when absent). */
export interface IngressAllow {
  from?: string;
  port?: number;
}

function specOf(policy: KubeObject): PolicySpec {
  return (policy.spec ?? {}) as PolicySpec;
}

/** Every field of the policy the runner could not enforce; empty when it can. */
export function unenforceableFields(policy: KubeObject): string[] {
  const spec = specOf(policy);
  const found: string[] = [];
  const checkSelector = (selector: LabelSelector | undefined, at: string) => {
    for (const [i, e] of (selector?.matchExpressions ?? []).entries())
      if (!(SELECTOR_OPERATORS as readonly string[]).includes(e.operator))
        found.push(`${at}.matchExpressions[${i}].operator=${e.operator}`);
  };
  checkSelector(spec.podSelector, "spec.podSelector");
  for (const [i, rule] of (spec.ingress ?? []).entries()) {
    for (const [j, peer] of (rule.from ?? []).entries()) {
      const at = `spec.ingress[${i}].from[${j}]`;
      if (peer.ipBlock) found.push(`${at}.ipBlock`);
      checkSelector(peer.podSelector, `${at}.podSelector`);
      checkSelector(peer.namespaceSelector, `${at}.namespaceSelector`);
    }
    for (const [j, port] of (rule.ports ?? []).entries()) {
      const at = `spec.ingress[${i}].ports[${j}]`;
      if (port.endPort !== undefined) found.push(`${at}.endPort`);
      if (port.protocol && port.protocol !== "TCP")
        found.push(`${at}.protocol=${port.protocol} (only TCP)`);
    }
  }
  return found;
}

function isIngressPolicy(spec: PolicySpec): boolean {
  return (spec.policyTypes ?? ["Ingress"]).includes("Ingress");
}

/**
 * What `pod` accepts under `policies`: undefined when no policy selects it for Ingress
 * (everything), otherwise the allowed sources and ports (nothing when the list is empty).
 */
export function ingressAllows(
  pod: PolicyPod,
  policies: KubeObject[],
  pods: PolicyPod[],
  namespaceLabels: (namespace: string) => Record<string, string>,
): IngressAllow[] | undefined {
  const selecting = policies.filter(
    (p) =>
      (p.metadata.namespace ?? "default") === pod.namespace &&
      isIngressPolicy(specOf(p)) &&
      selects(specOf(p).podSelector, pod.labels),
  );
  if (selecting.length === 0) return undefined;
  const allows: IngressAllow[] = [];
  for (const rule of selecting.flatMap((p) => specOf(p).ingress ?? [])) {
    const ports = rule.ports?.length
      ? rule.ports.flatMap((p) => {
          if (p.port === undefined) return [undefined];
          if (typeof p.port === "number") return [p.port];
          // A named port is the pod's own port of that name; a pod without one admits nothing by it.
          const named = pod.ports.find((c) => c.name === p.port);
          return named ? [named.containerPort] : [];
        })
      : [undefined];
    const sources = rule.from?.length
      ? rule.from.flatMap((peer) =>
          pods
            .filter(
              (from) =>
                (peer.namespaceSelector
                  ? selects(peer.namespaceSelector, {
                      ...namespaceLabels(from.namespace),
                      "kubernetes.io/metadata.name": from.namespace,
                    })
                  : from.namespace === pod.namespace) &&
                (peer.podSelector === undefined || selects(peer.podSelector, from.labels)),
            )
            .map((from) => from.address),
        )
      : [undefined];
    for (const from of sources) for (const port of ports) allows.push({ from, port });
  }
  return allows;
}
