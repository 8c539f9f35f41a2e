// manifests/action-policy, the admission policies that hold the Action's ServiceAccount
// whatever its Role grants: their CEL evaluated (test/support/admission.ts) against the
// Jobs the Action makes (deploy's stanza Job, a backup from its CronJob, the validation, a
// clone's restore and server, pgbackrest info's), which must pass, and against forged ones, which must not.
import { describe, expect, it } from "vitest";
import { backupJob } from "../../src/core/backup-job.ts";
import { cloneObjects, cloneRestoreJob } from "../../src/core/clone-objects.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { jobFromCronJob } from "../../src/core/jobs.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";
import { infoJob } from "../../src/core/repository.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";
import { actionPolicies, policyCovers, policyMatches, refusals } from "../support/admission.ts";
import { baseObject } from "../support/base.ts";

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

const NS = "ai-governance";
const ACTION = `system:serviceaccount:${NS}:mcpgov-backup-action`;
const CLONE = {
  id: "x4",
  expiresAt: "2026-11-24T18:00:00Z",
  point: "2026-11-24 14:30:00.000000+00",
  image: "ghcr.io/org/mcpgov-backup-pgbackrest:15.19-2.55.1",
  storage: "20Gi",
};
const policies = actionPolicies();
const jobsPolicy = policies.get("mcpgov-backup-action-jobs");
const namespacesPolicy = policies.get("mcpgov-backup-action-namespaces");

/** The installation's parameters (manifests/action), which an administrator applies. */
const [params] = loadManifestFile(projectPath("manifests/action/action-policy-params.yaml")).map(
  (d) => d.object as KubeObject,
);

const denied = (job: KubeObject, withParams: KubeObject | null = params as KubeObject) =>
  refusals(jobsPolicy, { username: ACTION, operation: "CREATE", object: job, params: withParams });

/** The Jobs the Action creates, built as src/ builds them. */
async function actionJobs(): Promise<KubeObject[]> {
  const cluster = new FakeCluster();
  const validation = baseObject("CronJob", "pgbackrest-restore-validation");
  await cluster.apply([baseObject("CronJob", "pgbackrest-full-backup"), validation]);
  return [
    baseObject("Job", "pgbackrest-stanza-create"),
    await backupJob(cluster, NS, "full", "pgbackrest-action-full-20261124143000"),
    jobFromCronJob(validation, "pgbackrest-action-validate-20261124143000", {}),
    cloneRestoreJob(validation, CLONE, ["--latest"], {}),
    cloneObjects(CLONE, baseObject("CronJob", "mcpgov-clone")).server,
    // status, verify and a backup read pgbackrest info in a Job of its own.
    infoJob(baseObject("CronJob", "pgbackrest-info")),
  ];
}

describe("the Action's admission policies (manifests/action-policy)", () => {
  it("apply to the Action's ServiceAccount in any namespace, and to no one else", () => {
    for (const policy of [jobsPolicy, namespacesPolicy]) {
      expect(policyMatches(policy, ACTION)).toBe(true);
      expect(policyMatches(policy, "system:serviceaccount:ledger-db:mcpgov-backup-action")).toBe(
        true,
      );
      expect(policyMatches(policy, "system:serviceaccount:ai-governance:mcpgov-backup-bot")).toBe(
        false,
      );
      expect(policyMatches(policy, "kubernetes-admin")).toBe(false);
    }
  });

  it("admit every Job the Action makes", async () => {
    const jobs = await actionJobs();
    expect(jobs).toHaveLength(6);
    for (const job of jobs)
      expect([job.metadata.name, denied(job)]).toEqual([job.metadata.name, []]);
  });

  type Forgery = [string, (spec: Any) => void, string];
  /** The pod's first container reads a key of that Secret. */
  const readsSecret = (spec: Any, name: string) => {
    spec.containers[0].env = [
      ...(spec.containers[0].env ?? []),
      { name: "STOLEN", valueFrom: { secretKeyRef: { name, key: "s3-key" } } },
    ];
  };
  const forgeries: Forgery[] = [
    ["another ServiceAccount", (s) => (s.serviceAccountName = "default"), "run as"],
    ["the bot's ServiceAccount", (s) => (s.serviceAccountName = "mcpgov-backup-bot"), "run as"],
    [
      "a hostPath of /",
      (s) => s.volumes.push({ name: "host", hostPath: { path: "/" } }),
      "no host path",
    ],
    ["the host's PID namespace", (s) => (s.hostPID = true), "no host network, PID"],
    ["the host's network", (s) => (s.hostNetwork = true), "no host network, PID"],
    [
      "a privileged container",
      (s) => (s.containers[0].securityContext.privileged = true),
      "unprivileged",
    ],
    [
      "privilege escalation",
      (s) => (s.containers[0].securityContext.allowPrivilegeEscalation = true),
      "unprivileged",
    ],
    ["root", (s) => (s.containers[0].securityContext.runAsUser = 0), "unprivileged"],
    [
      "an added capability",
      (s) => (s.containers[0].securityContext.capabilities = { add: ["SYS_ADMIN"] }),
      "unprivileged",
    ],
    ["no security context", (s) => delete s.containers[0].securityContext, "unprivileged"],
    [
      "a host port",
      (s) => (s.containers[0].ports = [{ containerPort: 1, hostPort: 1 }]),
      "unprivileged",
    ],
    ["an init container", (s) => (s.initContainers = [s.containers[0]]), "init"],
    ["another image", (s) => (s.containers[0].image = "busybox:1"), "installation's image"],
    [
      "the repository host's S3 key, the one that may delete",
      (s) => readsSecret(s, "pgbackrest-s3-credentials"),
      "read-only S3 key",
    ],
    [
      "PostgreSQL's S3 key, the one that adds WAL",
      (s) => readsSecret(s, "pgbackrest-s3-writer"),
      "read-only S3 key",
    ],
    ["the database's password", (s) => readsSecret(s, "postgres-secret"), "read-only S3 key"],
    [
      "a whole Secret as its environment",
      (s) => (s.containers[0].envFrom = [{ secretRef: { name: "pgbackrest-s3-credentials" } }]),
      "read-only S3 key",
    ],
    [
      "another tag of the image",
      (s) => (s.containers[0].image = "ghcr.io/org/mcpgov-backup-pgbackrest:latest"),
      "installation's image",
    ],
  ];

  it.each(forgeries)("refuse a Job with %s", async (_, forge, message) => {
    const [, backup] = (await actionJobs()) as Any[];
    forge(backup.spec.template.spec);
    expect(denied(backup).join("\n")).toContain(message);
  });

  it("refuse a privileged hostPath Job like the one an attacker would run", () => {
    const job: Any = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "root", namespace: NS },
      spec: {
        template: {
          spec: {
            containers: [{ name: "sh", image: "busybox:1", securityContext: { privileged: true } }],
            volumes: [{ name: "host", hostPath: { path: "/" } }],
          },
        },
      },
    };
    expect(denied(job)).toHaveLength(4);
  });

  it("read the image from the installation's PodTemplate mcpgov-backup-action-jobs, a digest as well as a tag", async () => {
    expect(params?.kind).toBe("PodTemplate");
    expect(params?.metadata.name).toBe("mcpgov-backup-action-jobs");
    expect(jobsPolicy.spec.paramKind).toEqual({ apiVersion: "v1", kind: "PodTemplate" });
    const digest = `ghcr.io/org/mcpgov-backup-pgbackrest@sha256:${"a1".repeat(32)}`;
    const pinned: Any = structuredClone(params);
    pinned.template.spec.containers[0].image = digest;
    const jobs = (await actionJobs()) as Any[];
    for (const job of jobs) for (const c of job.spec.template.spec.containers) c.image = digest;
    for (const job of jobs)
      expect([job.metadata.name, denied(job, pinned)]).toEqual([job.metadata.name, []]);
    // The tag the digest was taken from is not the digest.
    const [, tagged] = (await actionJobs()) as Any[];
    expect(denied(tagged, pinned).join("\n")).toContain("installation's image");
  });

  it("admit no Job in a namespace without the parameters, whose binding names them", async () => {
    const [, backup] = await actionJobs();
    expect(denied(backup as KubeObject, null)).toEqual([
      "no parameters in the namespace (parameterNotFoundAction: Deny)",
    ]);
    const binding = loadManifestFile(projectPath("manifests/action-policy/action-policies.yaml"))
      .map((d) => d.object as Any)
      .find(
        (o) =>
          o.kind === "ValidatingAdmissionPolicyBinding" &&
          o.metadata.name === "mcpgov-backup-action-jobs",
      );
    expect(binding.spec.paramRef).toEqual({
      name: "mcpgov-backup-action-jobs",
      parameterNotFoundAction: "Deny",
    });
  });

  it("refuse any Namespace the Action creates or relabels, and leave an admin's alone", () => {
    expect(policyCovers(namespacesPolicy, "", "namespaces", "CREATE")).toBe(true);
    expect(policyCovers(namespacesPolicy, "", "namespaces", "UPDATE")).toBe(true);
    const namespace = baseObject("Namespace", NS);
    const relabelled: Any = structuredClone(namespace);
    relabelled.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged";
    const relabel = { object: relabelled, oldObject: namespace, operation: "UPDATE" as const };
    expect(refusals(namespacesPolicy, { username: ACTION, ...relabel })).toEqual([
      "the Action creates and changes no Namespace; a cluster admin creates it, with its Pod Security labels",
    ]);
    expect(policyMatches(namespacesPolicy, "kubernetes-admin")).toBe(false);
  });
});
