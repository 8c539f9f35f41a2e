// Least privilege, read from the manifests: no ClusterRole, no wildcard, and every right a
// Role grants is needed by a pod that runs as a ServiceAccount it is bound to. What the
// pods need is read from what they run (the backup Jobs' `kubectl exec`); the bot's Role
// is held to the API calls it really makes in test/e2e/bot.test.ts.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { loadManifestDir, loadManifestFile } from "../../src/core/manifests/load.ts";
import {
  containerArgv,
  containersOf,
  parseKubectlExec,
  podSpecOf,
} from "../../src/core/manifests/pod.ts";
import { projectPath } from "../../src/core/paths.ts";
import {
  type Access,
  describeAccess,
  type PolicyRule,
  rightsOf,
  ruleAllows,
  used,
} from "../support/rbac.ts";
import { loadCommittedManifests, manifestsDir } from "./support.ts";

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

const docs = [
  ...loadCommittedManifests(),
  ...loadManifestDir(join(manifestsDir, "bot")),
  ...loadManifestDir(join(manifestsDir, "bot-target")),
  ...loadManifestFile(join(manifestsDir, "bot", "bot-secret.yaml.example")),
].map((d) => d.object as Any);

/** What a pod asks of the API, from what its containers run. */
function podNeeds(spec: Any): Access[] {
  return containersOf(spec).flatMap((container): Access[] => {
    const argv = containerArgv(container);
    if (argv[0] !== "kubectl") return [];
    // kubectl exec reads the pod, then opens the exec stream (create since Kubernetes 1.30).
    const { pod } = parseKubectlExec(argv);
    return [
      { verb: "get", group: "", resource: "pods", name: pod },
      { verb: "create", group: "", resource: "pods/exec", name: pod },
    ];
  });
}

/** ServiceAccount name → what the pods that run as it need. */
const needs = new Map<string, Access[]>();
for (const object of docs) {
  const spec = podSpecOf(object);
  if (!spec) continue;
  const account = (spec as Any).serviceAccountName as string;
  needs.set(account, [...(needs.get(account) ?? []), ...podNeeds(spec)]);
}

const roles = docs.filter((o) => o.kind === "Role");
const bindings = docs.filter((o) => o.kind === "RoleBinding");
/** The bot's Roles and ServiceAccount: held to its recorded API calls (test/e2e/bot.test.ts). */
const RECORDED = new Set(["mcpgov-backup-bot", "mcpgov-backup-bot-records"]);

describe("RBAC in the manifests", () => {
  it("has no ClusterRole or ClusterRoleBinding", () => {
    expect(docs.filter((o) => String(o.kind).startsWith("Cluster")).map((o) => o.kind)).toEqual([]);
  });

  it.each(roles.map((r) => [r.metadata.name, r]))("Role %s has no wildcard", (_, role) => {
    const values = (role.rules as PolicyRule[]).flatMap((r) => [
      ...(r.apiGroups ?? []),
      ...(r.resources ?? []),
      ...(r.verbs ?? []),
      ...(r.resourceNames ?? []),
    ]);
    expect(values.filter((v) => v.includes("*"))).toEqual([]);
  });

  it.each(roles.filter((r) => !RECORDED.has(r.metadata.name)).map((r) => [r.metadata.name, r]))(
    "Role %s grants what its pods need, and nothing else",
    (name, role) => {
      const accounts = bindings
        .filter((b) => b.roleRef.kind === "Role" && b.roleRef.name === name)
        .flatMap((b) => b.subjects.map((s: Any) => s.name as string));
      expect(accounts.length).toBeGreaterThan(0);
      const wanted = accounts.flatMap((a) => needs.get(a) ?? []);
      const rules = role.rules as PolicyRule[];
      expect(
        wanted.filter((a) => !rules.some((r) => ruleAllows(r, a))).map(describeAccess),
      ).toEqual([]);
      expect(
        rightsOf(rules)
          .filter((r) => !used(r, wanted))
          .map(describeAccess),
      ).toEqual([]);
    },
  );

  it("gives an API token only to pods that use the API", () => {
    const accounts = docs.filter((o) => o.kind === "ServiceAccount");
    for (const account of accounts) {
      const name = account.metadata.name as string;
      const usesApi = (needs.get(name) ?? []).length > 0 || RECORDED.has(name);
      // A token is mounted unless the ServiceAccount (or the pod) opts out.
      const mounted = account.automountServiceAccountToken !== false;
      expect({ name, mounted }).toEqual({ name, mounted: usesApi });
    }
  });

  it("would catch a right nothing uses", () => {
    const role = roles.find((r) => r.metadata.name === "pgbackrest-backup");
    const rules = [
      ...(role.rules as PolicyRule[]),
      { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
    ];
    const wanted = needs.get("pgbackrest-backup") ?? [];
    expect(
      rightsOf(rules)
        .filter((r) => !used(r, wanted))
        .map(describeAccess),
    ).toEqual(["get secrets"]);
  });
});

describe("the Action's Role (manifests/action/action-rbac.yaml)", () => {
  const rules = (loadManifestFile(projectPath("manifests", "action", "action-rbac.yaml"))
    .map((d) => d.object as KubeObject)
    .find((o) => o.kind === "Role")?.rules ?? []) as PolicyRule[];

  it("grants nothing on namespaces: the Action cannot relabel its namespace's Pod Security", () => {
    expect(rules.filter((r) => r.resources?.includes("namespaces"))).toEqual([]);
  });

  it("grants nothing on PodTemplates: the Action cannot widen its own or the bot's policy parameters", () => {
    const bot = [
      ...loadManifestFile(projectPath("manifests", "bot", "bot-rbac.yaml")),
      ...loadManifestFile(projectPath("manifests", "bot-target", "bot-target-rbac.yaml")),
    ]
      .map((d) => d.object as Any)
      .filter((o) => o.kind === "Role")
      .flatMap((o) => o.rules as PolicyRule[]);
    for (const granted of [rules, bot])
      expect(granted.filter((r) => r.resources?.includes("podtemplates"))).toEqual([]);
  });

  it("takes the lock: creates the Lease, and reads, renews and removes only that one", () => {
    const leases = rightsOf(rules).filter((r) => r.resource === "leases");
    expect(leases.map(describeAccess).sort()).toEqual([
      "create coordination.k8s.io/leases",
      "delete coordination.k8s.io/leases mcpgov-backup-lock",
      "get coordination.k8s.io/leases mcpgov-backup-lock",
      "patch coordination.k8s.io/leases mcpgov-backup-lock",
    ]);
  });
});
