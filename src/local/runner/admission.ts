// What the local runner admits: the kinds it keeps, pod templates without fields it cannot
// honour (refused by name), Services it can resolve without a proxy, and NetworkPolicies
// it can enforce (when asked to) or keeps unenforced, saying so once.
import type { V1PodSpec } from "@kubernetes/client-node";
import type { KubeObject } from "../../core/cluster.ts";
import { podSpecOf, podSpecPath } from "../../core/manifests/pod.ts";
import { postgresBinDir } from "../host.ts";
import { unenforceableFields } from "./network-policy.ts";
import { unsupportedFields } from "./supported.ts";

/** Kinds the runner keeps; only the workloads among them make it do anything. */
const KINDS = new Set([
  "Namespace",
  "ConfigMap",
  "Secret",
  "Service",
  "PersistentVolumeClaim",
  "ServiceAccount",
  "Role",
  "RoleBinding",
  "NetworkPolicy",
  "Lease",
  "StatefulSet",
  "Deployment",
  "Job",
  "CronJob",
  "Pod",
]);

/** Services resolve to pod addresses, with no proxy between: a port must be its own target. */
function checkService(service: KubeObject): void {
  const spec = service.spec as {
    ports?: { port: number; targetPort?: number | string }[];
    type?: string;
  };
  if (spec.type && spec.type !== "ClusterIP")
    throw new Error(
      `Service ${service.metadata.name}: only ClusterIP Services are supported by the local runner`,
    );
  for (const port of spec.ports ?? []) {
    if (typeof port.targetPort === "number" && port.targetPort !== port.port) {
      throw new Error(
        `Service ${service.metadata.name}: port ${port.port} must equal its targetPort in the local runner (names resolve to pod addresses, with no proxy)`,
      );
    }
  }
}

function checkPolicy(
  policy: KubeObject,
  enforceIngress: boolean,
  sayOnce: (text: string) => void,
): void {
  if (!enforceIngress) {
    sayOnce("NetworkPolicies are kept but not enforced by the local runner");
    return;
  }
  const unenforceable = unenforceableFields(policy);
  if (unenforceable.length > 0)
    throw new Error(
      `apply NetworkPolicy/${policy.metadata.name}: the local runner cannot enforce ${unenforceable.join(", ")}`,
    );
  sayOnce(
    "NetworkPolicies: ingress is enforced for TCP by the local runner; UDP and egress are kept but not enforced",
  );
}

/** Throws, naming what the runner cannot do, unless it can keep and run the object. */
export function admit(
  object: KubeObject,
  enforceIngress: boolean,
  sayOnce: (text: string) => void,
): void {
  const { kind } = object;
  const name = object.metadata.name;
  if (!KINDS.has(kind))
    throw new Error(`apply ${kind}/${name}: the local runner does not support kind ${kind}`);
  const spec = podSpecOf(object);
  const unsupported = spec ? unsupportedFields(spec, podSpecPath(kind)) : [];
  if (unsupported.length > 0)
    throw new Error(
      `apply ${kind}/${name}: the local runner does not support ${unsupported.join(", ")}`,
    );
  if (kind === "Service") checkService(object);
  if (kind === "NetworkPolicy") checkPolicy(object, enforceIngress, sayOnce);
}

/** What the runner keeps of a pod spec but does not do, each said once to the person watching. */
export function keptNotEnforced(spec: V1PodSpec): string[] {
  const notices = spec.containers.map(
    (c) =>
      `image ${c.image}: not pulled; this machine's PostgreSQL (${postgresBinDir()}) and pgBackRest stand in`,
  );
  if (spec.containers.some((c) => c.resources))
    notices.push("resource requests and limits are kept but not enforced by the local runner");
  if (spec.volumes?.some((v) => v.emptyDir?.sizeLimit))
    notices.push("emptyDir size limits are kept but not enforced by the local runner");
  const seccomp = [spec.securityContext, ...spec.containers.map((c) => c.securityContext)];
  if (seccomp.some((context) => context?.seccompProfile))
    notices.push("seccomp profiles are kept but not enforced by the local runner");
  return notices;
}
