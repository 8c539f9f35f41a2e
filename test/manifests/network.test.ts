// Who may reach whom, worked out from the NetworkPolicies as Kubernetes applies them
// (policies that select a pod for Ingress allow the union of their rules; a pod no such
// policy selects accepts everything), on every shipped overlay as it renders: PostgreSQL
// and the pgBackRest TLS servers accept exactly the pods that need them, and nothing from
// another namespace but what must.
import { describe, expect, it } from "vitest";
import { cloneObjects } from "../../src/core/clone-objects.ts";
import { drillObjects } from "../../src/core/drill-objects.ts";
import { drillPushObjects } from "../../src/core/drill-push.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { containersOf, podLabelsOf, podSpecOf } from "../../src/core/manifests/pod.ts";
import { projectPath } from "../../src/core/paths.ts";

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

interface Pod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ports: number[];
  /** Its namespace's labels besides kubernetes.io/metadata.name, which every namespace has. */
  namespaceLabels?: Record<string, string>;
}

/**
 * An overlay as installed, the restore Jobs' templates among its objects (manifests/restore/),
 * with a clone made: its server, Service and policy in place of the server's template,
 * whose claim exists only per clone, so that it never runs as it is (manifests/clone/).
 */
function installed(overlay: string): Any[] {
  const objects = renderKustomization(projectPath("examples", overlay)) as Any[];
  const template = objects.find((o) => o.kind === "CronJob" && o.metadata.name === "mcpgov-clone");
  const namespace = template.metadata.namespace;
  const clone = cloneObjects(
    {
      id: "n1",
      expiresAt: "2026-12-07T18:00:00Z",
      point: "the newest state",
      image: "postgres",
      storage: "1Gi",
    },
    template,
  );
  const made = [clone.server, clone.service, clone.policy].map((o) => ({
    ...o,
    metadata: { ...o.metadata, namespace },
  }));
  return [...objects.filter((o) => o !== template), ...made];
}

function podsOf(objects: Any[]): Pod[] {
  return objects.flatMap((o): Pod[] => {
    const spec = podSpecOf(o);
    if (!spec) return [];
    return [
      {
        name: `${o.kind}/${o.metadata.name}`,
        namespace: o.metadata.namespace,
        labels: podLabelsOf(o) ?? {},
        ports: containersOf(spec).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)),
      },
    ];
  });
}

/** An application pod in a namespace, and any pod of another namespace. */
const appIn = (namespace: string): Pod => ({
  name: "an application pod",
  namespace,
  labels: { app: "governance-api" },
  ports: [],
});
const outsider: Pod = {
  name: "a pod in another namespace",
  namespace: "other",
  labels: {},
  ports: [],
};

/** Prometheus, in a namespace of its own. */
const prometheus: Pod = {
  name: "Prometheus",
  namespace: "monitoring",
  labels: { "app.kubernetes.io/name": "prometheus" },
  ports: [],
};

/** A pod that calls itself Prometheus, in a namespace anyone may use. */
const impostor: Pod = {
  name: "a pod labelled prometheus in another namespace",
  namespace: "other",
  labels: { "app.kubernetes.io/name": "prometheus" },
  ports: [],
};

/** The cluster's DNS, which every pod must reach on 53. */
const dns: Pod = {
  name: "the cluster DNS",
  namespace: "kube-system",
  labels: { "k8s-app": "kube-dns" },
  ports: [53],
};

// A second, independent reading of the selectors the manifests use (In and Exists), kept
// apart from src/core/label-selector.ts on purpose: the policies are checked by an oracle
// that does not share the product's code.
const selects = (selector: Any, labels: Record<string, string>) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (selector?.matchExpressions ?? []).every((e: Any) =>
    e.operator === "In"
      ? e.values.includes(labels[e.key])
      : e.operator === "Exists"
        ? e.key in labels
        : false,
  );

// The policies' evaluation below is an oracle too, apart from src/local/runner/network-policy.ts
// (which enforces ingress only, and refuses ipBlock): it reads egress as well, as Kubernetes does.
function peerMatches(peer: Any, from: Pod, policyNamespace: string): boolean {
  if (peer.ipBlock) return from.namespace !== policyNamespace; // outside the cluster's pods
  // Kubernetes labels every namespace with its name (kubernetes.io/metadata.name).
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, {
        ...from.namespaceLabels,
        "kubernetes.io/metadata.name": from.namespace,
      })
    : from.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, from.labels) : true;
  return namespaceOk && podOk;
}

/** The policies of a type that select a pod (the pod is isolated for it when any does). */
function policiesFor(objects: Any[], type: "Ingress" | "Egress", pod: Pod): Any[] {
  return objects.filter(
    (o) =>
      o.kind === "NetworkPolicy" &&
      o.metadata.namespace === pod.namespace &&
      (o.spec.policyTypes ?? (o.spec.egress ? ["Ingress", "Egress"] : ["Ingress"])).includes(
        type,
      ) &&
      selects(o.spec.podSelector, pod.labels),
  );
}

const portMatches = (rule: Any, port: number) =>
  !rule.ports || rule.ports.some((rp: Any) => rp.port === port);

/**
 * Whether the policies of one direction that select a pod (its ingress or its egress) let
 * a connection with `peer` on `port` through: no policy, or a rule that admits both.
 */
function letThrough(policies: Any[], direction: "ingress" | "egress", peer: Pod, port: number) {
  const peers = direction === "ingress" ? "from" : "to";
  return (
    policies.length === 0 ||
    policies.some((p) =>
      (p.spec[direction] ?? []).some(
        (rule: Any) =>
          portMatches(rule, port) &&
          (!rule[peers] ||
            rule[peers].some((other: Any) => peerMatches(other, peer, p.metadata.namespace))),
      ),
    )
  );
}

/** Whether `from` may open a connection to `to` on `port`: its egress and their ingress. */
function allowed(objects: Any[], from: Pod, to: Pod, port: number): boolean {
  return (
    letThrough(policiesFor(objects, "Ingress", to), "ingress", from, port) &&
    letThrough(policiesFor(objects, "Egress", from), "egress", to, port)
  );
}

/** One overlay's pods, and who of them (and of the pods around them) reaches whom. */
function network(overlay: string) {
  const objects = installed(overlay);
  const pods = podsOf(objects);
  const namespace = objects.find((o) => o.kind === "StatefulSet")?.metadata.namespace;
  const app = appIn(namespace);
  const can = (from: Pod, to: Pod, port: number) => allowed(objects, from, to, port);
  const who = (target: string, port: number): string[] => {
    const to = pods.find((p) => p.name === target);
    if (!to) throw new Error(`${target} not found`);
    return [...pods, app, outsider, prometheus, impostor]
      .filter((from) => from !== to && can(from, to, port))
      .map((p) => p.name)
      .sort();
  };
  return { objects, pods, can, who };
}

const overlays = ["adopt", "kind", "production", "second-database"];

describe.each(overlays)("who reaches whom in examples/%s", (overlay) => {
  const { pods, can, who } = network(overlay);
  const postgres = pods.filter((p) => p.labels.app === "postgres");

  it("the TLS server beside PostgreSQL on 8432: the repository host only", () => {
    expect(postgres).toHaveLength(1);
    for (const pod of postgres)
      expect(who(pod.name, 8432)).toEqual(["StatefulSet/pgbackrest-repo-host"]);
  });

  it("PostgreSQL on 5432: the pods of its namespace, nothing from outside", () => {
    for (const pod of postgres) {
      expect(who(pod.name, 5432)).toContain("an application pod");
      expect(who(pod.name, 5432)).not.toContain("a pod in another namespace");
    }
  });

  it("every pod that listens is behind an ingress policy, and every pod can look up names", () => {
    const open = pods.filter(
      (p) => !p.name.includes("bot") && p.ports.some((port) => can(outsider, p, port)),
    );
    expect(open.map((p) => p.name)).toEqual([]);
    // But a clone's server, which reaches nothing at all (manifests/clone/).
    expect(pods.filter((p) => !can(p, dns, 53)).map((p) => p.name)).toEqual([
      "Job/mcpgov-clone-n1",
    ]);
  });
});

describe("who reaches whom with everything installed (examples/production)", () => {
  const { who } = network("production");

  it("the repository host on 8432: PostgreSQL, the restores, the validations, pgbackrest info's Jobs and the metrics only", () => {
    expect(who("StatefulSet/pgbackrest-repo-host", 8432)).toEqual([
      "CronJob/pgbackrest-info",
      "CronJob/pgbackrest-restore",
      "CronJob/pgbackrest-restore-pitr",
      "CronJob/pgbackrest-restore-validation",
      "CronJob/pgbackrest-restore-validation-s3",
      "Deployment/pgbackrest-metrics",
      "StatefulSet/postgres",
    ]);
  });

  it("the metrics pod: Prometheus of the monitoring namespace scrapes 9100, 9091 and 9092; only the validations push to 9091 and only PostgreSQL (its WAL figures) to 9092", () => {
    expect(who("Deployment/pgbackrest-metrics", 9100)).toEqual(["Prometheus"]);
    expect(who("Deployment/pgbackrest-metrics", 9091)).toEqual([
      "CronJob/pgbackrest-restore-validation",
      "CronJob/pgbackrest-restore-validation-s3",
      "Prometheus",
    ]);
    // Each pusher its own Pushgateway: PostgreSQL cannot forge a verdict, a validation no RPO.
    expect(who("Deployment/pgbackrest-metrics", 9092)).toEqual([
      "Prometheus",
      "StatefulSet/postgres",
    ]);
  });
});

describe("who reaches the bot, in its own namespace (manifests/bot)", () => {
  it("the bot on 3000: webhooks through an ingress in any namespace", () => {
    const objects = renderKustomization(projectPath("manifests", "bot")) as Any[];
    const bot = podsOf(objects).find((p) => p.name === "Deployment/mcpgov-backup-bot");
    if (!bot) throw new Error("the bot's Deployment is not in manifests/bot");
    expect(allowed(objects, outsider, bot, 3000)).toBe(true);
    expect(allowed(objects, outsider, bot, 8432)).toBe(false);
  });
});

/** A drill namespace, labelled so by the administrator who makes it (manifests/drill). */
const DRILL_NAMESPACE = "ai-governance-drill";
const DRILL_NAMESPACE_LABELS = { "mcpgov-backup/drill-namespace": "true" };

describe("who pushes the drill's figures (manifests/monitoring, manifests/drill)", () => {
  const { objects, pods, who } = network("production");
  const spec = { id: "d1", namespace: DRILL_NAMESPACE, expiresAt: "2026-12-07T18:00:00Z" };
  const drill = drillObjects(objects, spec, ["--latest"], {});
  const push = drillPushObjects(objects, spec, { url: "http://x", text: "", annotations: {} });
  const inDrillNamespace = (pod: Pod): Pod => ({ ...pod, namespaceLabels: DRILL_NAMESPACE_LABELS });
  const pusher = inDrillNamespace(podsOf(push)[0] as Pod);
  // Every other pod a drill runs, in the same namespace: the restore (it holds the off-site
  // key) and the rebuilt PostgreSQL and repository host.
  const drillPods = podsOf([drill.restoreJob, ...drill.workloads]).map(inDrillNamespace);
  /** The same labels outside a drill namespace: anyone may label a pod so. */
  const lookalike: Pod = {
    ...pusher,
    name: "a pod labelled as the pusher in another namespace",
    namespace: "other",
    namespaceLabels: {},
  };
  const metrics = pods.find((p) => p.name === "Deployment/pgbackrest-metrics") as Pod;
  const around = [
    ...pods,
    ...drillPods,
    pusher,
    lookalike,
    prometheus,
    impostor,
    appIn("ai-governance"),
  ];
  const reaching = (port: number) =>
    around
      .filter((from) => allowed([...objects, ...drill.setting], from, metrics, port))
      .map((p) => p.name)
      .sort();

  it("the metrics pod on 9093: Prometheus scrapes it, and only the drill's push Job in a drill namespace pushes", () => {
    expect(metrics.ports).toContain(9093);
    expect(who("Deployment/pgbackrest-metrics", 9093)).toEqual(["Prometheus"]);
    expect(reaching(9093)).toEqual([`Job/${push[1]?.metadata.name}`, "Prometheus"]);
  });

  it("the pusher nowhere else: not on 9091 or 9092, and on no pod of the drill's but its Job", () => {
    expect(reaching(9091)).not.toContain(pusher.name);
    expect(reaching(9092)).not.toContain(pusher.name);
    const labelled = [...pods, ...drillPods].filter(
      (p) => p.labels["app.kubernetes.io/component"] === "drill-metrics",
    );
    expect(labelled).toEqual([]);
  });

  it("the drill namespace's copied policies let the push Job out to 9093 and look up the name", () => {
    const drillNs = [...objects, ...drill.setting];
    const there = { ...metrics };
    expect(allowed(drillNs, pusher, there, 9093)).toBe(true);
    expect(allowed(drillNs, pusher, dns, 53)).toBe(true);
  });
});
