// What a Cluster call asks of the Kubernetes API's authoriser, and whether a Role's rules
// allow it. A recording Cluster notes every call a component makes, so that a test can
// hold its Role to exactly what it uses. The mapping follows KubeCluster's requests
// (src/core/kube/cluster.ts): each method's API calls and their RBAC verbs. Whether a rule
// allows an access is the product's one evaluation (src/local/runner/rbac.ts, tested on its own).
import type { Cluster } from "../../src/core/cluster.ts";
import { type Access, type PolicyRule, ruleAllows } from "../../src/local/runner/rbac.ts";

export type { Access, PolicyRule };
export { ruleAllows };

const RESOURCES: Record<string, [group: string, resource: string]> = {
  Namespace: ["", "namespaces"],
  ServiceAccount: ["", "serviceaccounts"],
  PersistentVolumeClaim: ["", "persistentvolumeclaims"],
  Role: ["rbac.authorization.k8s.io", "roles"],
  RoleBinding: ["rbac.authorization.k8s.io", "rolebindings"],
  NetworkPolicy: ["networking.k8s.io", "networkpolicies"],
  ConfigMap: ["", "configmaps"],
  Secret: ["", "secrets"],
  Pod: ["", "pods"],
  Service: ["", "services"],
  Event: ["", "events"],
  StatefulSet: ["apps", "statefulsets"],
  Deployment: ["apps", "deployments"],
  Job: ["batch", "jobs"],
  CronJob: ["batch", "cronjobs"],
  Lease: ["coordination.k8s.io", "leases"],
};

function on(kind: string, verb: string, name?: string, subresource?: string): Access {
  const found = RESOURCES[kind];
  if (!found) throw new Error(`no RBAC resource known for kind ${kind}`);
  const [group, resource] = found;
  return { verb, group, resource: subresource ? `${resource}/${subresource}` : resource, name };
}

/** An authorisation request and the namespace it is made in. */
export type NamespacedAccess = Access & { namespace: string };

/** The authorisation requests one call of a Cluster method makes, each in its namespace. */
export function accessOf(method: keyof Cluster, args: unknown[]): NamespacedAccess[] {
  const [a, b, c] = args as [never, never, never];
  // The API server authorises a request on a Namespace object (/api/v1/namespaces/NAME)
  // within that namespace, so a Role there can grant it.
  const objectNamespace = (o: unknown) => {
    const { kind, metadata } = o as {
      kind: string;
      metadata: { name: string; namespace?: string };
    };
    return kind === "Namespace" ? metadata.name : (metadata.namespace ?? "default");
  };
  const within = (namespace: string, accesses: Access[]) =>
    accesses.map((access) => ({ ...access, namespace }));
  switch (method) {
    case "apply":
      // Server-side apply is a PATCH of each object.
      return (a as { kind: string; metadata: { name: string } }[]).map((o) => ({
        ...on(o.kind, "patch", o.metadata.name),
        namespace: objectNamespace(o),
      }));
    case "get":
      return within(b, [on(a, "get", c)]);
    case "list":
      return within(b, [on(a, "list")]);
    case "create":
      return within(objectNamespace(a), [on((a as { kind: string }).kind, "create")]);
    case "update": {
      // A JSON merge patch holding metadata.resourceVersion: a PATCH of that one object.
      const o = a as { kind: string; metadata: { name: string } };
      return within(objectNamespace(a), [on(o.kind, "patch", o.metadata.name)]);
    }
    // A wait also looks at the pods, and at a stuck pod's events (src/core/kube/stuck.ts).
    case "waitForJob":
      return within(a, [on("Job", "get", b), on("Pod", "list"), on("Event", "list")]);
    case "waitForPodsReady":
      return within(a, [on("Pod", "list"), on("Event", "list")]);
    case "logs":
      // "job/NAME" finds the Job's pod by label first; the pod's name is not known here.
      return within(a, [
        ...(String(b).startsWith("job/") ? [on("Pod", "list")] : []),
        on("Pod", "get", String(b).startsWith("job/") ? undefined : b, "log"),
      ]);
    case "exec": {
      // The websocket upgrade is a GET, authorised since Kubernetes 1.30 as create too.
      const target = a as { namespace: string; pod: string };
      return within(target.namespace, [
        on("Pod", "create", target.pod, "exec"),
        on("Pod", "get", target.pod, "exec"),
      ]);
    }
    case "describeJob":
      return within(a, [on("Pod", "list"), on("Event", "list")]);
    case "scale":
      return within(a, [on(b, "patch", c, "scale")]);
    case "delete":
      return within(b, [on(a, "delete", c)]);
    case "setSuspended":
      return within(a, [on("CronJob", "patch", b)]);
  }
}

/** A Cluster that does what `inner` does and records what each call asked of the API. */
export function recordingCluster(inner: Cluster): {
  cluster: Cluster;
  accesses: NamespacedAccess[];
} {
  const accesses: NamespacedAccess[] = [];
  const cluster = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        accesses.push(...accessOf(property as keyof Cluster, args));
        return value.apply(target, args);
      };
    },
  });
  return { cluster, accesses };
}

export const describeAccess = (a: Access) =>
  `${a.verb} ${a.group ? `${a.group}/` : ""}${a.resource}${a.name ? ` ${a.name}` : ""}`;

/** Each single right a list of rules grants: one verb on one resource (and name). */
export function rightsOf(rules: PolicyRule[]): Access[] {
  return rules.flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) =>
        (rule.verbs ?? []).flatMap((verb) =>
          rule.resourceNames?.length
            ? rule.resourceNames.map((name) => ({ verb, group, resource, name }))
            : [{ verb, group, resource }],
        ),
      ),
    ),
  );
}

/** Whether a right was used: some access it alone would allow. */
export function used(right: Access, accesses: Access[]): boolean {
  const rule: PolicyRule = {
    apiGroups: [right.group],
    resources: [right.resource],
    verbs: [right.verb],
    ...(right.name ? { resourceNames: [right.name] } : {}),
  };
  return accesses.some((access) => ruleAllows(rule, access));
}

/** Each access that `rules` do not allow, described ("create batch/jobs"). */
export function notAllowedBy(rules: PolicyRule[], accesses: Access[]): string[] {
  return accesses.filter((a) => !rules.some((rule) => ruleAllows(rule, a))).map(describeAccess);
}

/** Each right `rules` grant that none of `accesses` used, described. */
export function unusedRights(rules: PolicyRule[], accesses: Access[]): string[] {
  return rightsOf(rules)
    .filter((right) => !used(right, accesses))
    .map(describeAccess);
}
