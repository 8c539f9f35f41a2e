// The drill's objects made from the shipped overlay with the S3 component, checked against
// what the drill promises: the off-site repository only, never a key that writes, archiving
// off, every object labelled and given a deadline; the drill's admission policy
// (manifests/drill) admits them and refuses forged ones; expired drill objects are removed
// and live ones are not; the RPO is the metrics' expression; the metrics' text.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { readInputs } from "../../src/action/inputs.ts";
import { runOperations } from "../../src/action/run.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { drillMetrics, RPO_SQL } from "../../src/core/drill-measures.ts";
import { drillObjects, reapExpiredDrills } from "../../src/core/drill-objects.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { containersOf, podSpecOf, podTemplateOf } from "../../src/core/manifests/pod.ts";
import { DRILL_LABEL, EXPIRES_ANNOTATION } from "../../src/core/names/labels.ts";
import { projectPath } from "../../src/core/paths.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";
import { policyMatches, refusals } from "../support/admission.ts";

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

const SPEC = { id: "d42", namespace: "ai-governance-drill", expiresAt: "2026-11-24T18:00:00Z" };
const ACTION = "system:serviceaccount:ai-governance:mcpgov-backup-action";
const production = renderKustomization(projectPath("examples", "production"));
const made = drillObjects(production, SPEC, ["--latest"], { "mcpgov-backup/run-url": "x" });
const all = [...made.setting, made.restoreJob, ...made.workloads];

const env = (object: KubeObject) =>
  containersOf(podSpecOf(object) as Any).flatMap((c: Any) => c.env ?? []) as Any[];

describe("a drill's objects (src/core/drill-objects.ts)", () => {
  it("are the overlay's stack in the drill namespace, each labelled with the drill and its deadline", () => {
    expect(made.workloads.map((w) => w.metadata.name)).toEqual([
      "postgres",
      "pgbackrest-repo-host",
    ]);
    for (const object of all) {
      expect(object.metadata.namespace).toBe(SPEC.namespace);
      expect(object.metadata.labels?.[DRILL_LABEL]).toBe(SPEC.id);
      expect(object.metadata.annotations?.[EXPIRES_ANNOTATION]).toBe(SPEC.expiresAt);
      const pod = podTemplateOf(object) as Any;
      if (pod) expect(pod.metadata.labels[DRILL_LABEL]).toBe(SPEC.id);
    }
    // The administrator's: no Secret, Role, binding or Namespace is made or removed.
    expect(
      all.filter((o) => ["Secret", "Role", "RoleBinding", "Namespace"].includes(o.kind)),
    ).toEqual([]);
  });

  it("restore from repository 2 onto PostgreSQL's claim, with the read-only key, pushing no verdict", () => {
    const container = containersOf(podSpecOf(made.restoreJob) as Any)[0] as Any;
    expect(container.args).toEqual(["--repo", "2", "--keep", "--latest"]);
    const scratch = (podSpecOf(made.restoreJob) as Any).volumes.find(
      (v: Any) => v.name === "scratch",
    );
    expect(scratch).toEqual({
      name: "scratch",
      persistentVolumeClaim: { claimName: "postgres-data" },
    });
    expect(
      env(made.restoreJob)
        .map((e) => e.valueFrom?.secretKeyRef?.name)
        .filter(Boolean),
    ).toEqual(["pgbackrest-s3-reader", "pgbackrest-s3-reader", "pgbackrest-cipher"]);
    expect(JSON.stringify(container.envFrom)).not.toContain("pgbackrest-monitoring");
  });

  it("never hold a key that writes, and PostgreSQL archives nothing", () => {
    for (const workload of [made.restoreJob, ...made.workloads])
      expect(JSON.stringify(env(workload))).not.toMatch(/pgbackrest-s3-(writer|credentials)/);
    const postgres = containersOf(podSpecOf(made.workloads[0] as KubeObject) as Any)[0] as Any;
    expect(postgres.args.slice(-2)).toEqual(["-c", "archive_mode=off"]);
    // The monitoring component's WAL figures would be reported under production's stanza.
    const names = containersOf(podSpecOf(made.workloads[0] as KubeObject) as Any).map(
      (c: Any) => c.name,
    );
    expect(names).toEqual(["postgres", "pgbackrest"]);
    const productions = containersOf(
      podSpecOf(
        production.find(
          (o) => o.kind === "StatefulSet" && o.metadata.name === "postgres",
        ) as KubeObject,
      ) as Any,
    ).map((c: Any) => c.name);
    expect(productions).toContain("wal-metrics");
  });

  it("are refused for an overlay without the off-site repository", () => {
    const base = renderKustomization(projectPath("manifests"));
    expect(() => drillObjects(base, SPEC, ["--latest"], {})).toThrow(/manifests\/s3/);
  });
});

describe("the drill's admission policy (manifests/drill)", () => {
  const [policy] = loadManifestFile(projectPath("manifests/drill/drill-policy.yaml"))
    .map((d) => d.object as Any)
    .filter((o) => o.kind === "ValidatingAdmissionPolicy");
  const [params] = loadManifestFile(projectPath("manifests/action/action-policy-params.yaml")).map(
    (d) => d.object as KubeObject,
  );
  const denied = (object: KubeObject) =>
    refusals(policy, { username: ACTION, operation: "CREATE", object, params: params ?? null });

  it("holds the Action's ServiceAccount and admits every workload a drill makes", () => {
    expect(policyMatches(policy, ACTION)).toBe(true);
    expect(policyMatches(policy, "system:serviceaccount:ai-governance:postgres")).toBe(false);
    for (const workload of [made.restoreJob, ...made.workloads])
      expect(denied(workload)).toEqual([]);
  });

  it("refuses a workload without the drill label, with another account, image or a writing key", () => {
    const forged = (change: (o: Any) => void) => {
      const copy = structuredClone(made.workloads[0]) as Any;
      change(copy);
      return copy;
    };
    expect(denied(forged((o) => delete o.metadata.labels[DRILL_LABEL]))).toHaveLength(1);
    expect(
      denied(forged((o) => (o.spec.template.spec.serviceAccountName = "default"))),
    ).toHaveLength(1);
    expect(
      denied(forged((o) => (o.spec.template.spec.containers[0].image = "evil:1"))),
    ).toHaveLength(1);
    const writer = {
      name: "K",
      valueFrom: { secretKeyRef: { name: "pgbackrest-s3-writer", key: "s3-key" } },
    };
    expect(denied(forged((o) => o.spec.template.spec.containers[0].env.push(writer)))).toHaveLength(
      1,
    );
  });

  it("renders into the drill namespace, with a Role that has no right on Secrets, Roles or Namespaces", () => {
    const dir = mkdtempSync(join(tmpdir(), "mcpgov-drill-component-"));
    writeFileSync(
      join(dir, "kustomization.yaml"),
      JSON.stringify({
        apiVersion: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        namespace: "ai-governance-drill",
        components: [relative(dir, projectPath("manifests", "drill"))],
      }),
    );
    const objects = renderKustomization(dir) as Any[];
    // The policy holds the drill namespaces only, never the database's, where deploy applies.
    const binding = objects.find((o) => o.kind === "ValidatingAdmissionPolicyBinding");
    expect(binding.spec.matchResources.namespaceSelector).toEqual({
      matchLabels: { "mcpgov-backup/drill-namespace": "true" },
    });
    const role = objects.find((o) => o.kind === "Role");
    expect(role.metadata.namespace).toBe("ai-governance-drill");
    const resources = role.rules.flatMap((r: Any) => r.resources);
    for (const forbidden of ["secrets", "roles", "rolebindings", "namespaces"])
      expect(resources).not.toContain(forbidden);
  });
});

/** The objects of a drill whose time is up ("old") and of one still running ("now"). */
const expiredAndLive = () => ({
  expired: drillObjects(
    production,
    { ...SPEC, id: "old", expiresAt: "2026-01-01T00:00:00Z" },
    ["--latest"],
    {},
  ),
  live: drillObjects(
    production,
    { ...SPEC, id: "now", expiresAt: "2099-01-01T00:00:00Z" },
    ["--latest"],
    {},
  ),
});

describe("what a drill leaves when it is killed", () => {
  it("is removed by the next drill once expired, and a live drill's is not", async () => {
    const cluster = new FakeCluster();
    const { expired, live } = expiredAndLive();
    await cluster.apply([
      ...expired.setting.filter((o) => o.kind === "PersistentVolumeClaim"),
      ...expired.workloads,
    ]);
    // The same names: a live drill's PostgreSQL in place of the expired one's.
    await cluster.apply(live.workloads.slice(0, 1));
    const removed = await reapExpiredDrills(
      cluster,
      SPEC.namespace,
      Date.parse("2026-06-01T00:00:00Z"),
    );
    expect(removed.sort()).toEqual([
      "PersistentVolumeClaim/pgbackrest-repo",
      "PersistentVolumeClaim/postgres-data",
      "StatefulSet/pgbackrest-repo-host",
    ]);
    expect(
      (await cluster.list("StatefulSet", SPEC.namespace)).map(
        (o) => `${o.metadata.name} ${o.metadata.labels?.[DRILL_LABEL]}`,
      ),
    ).toEqual(["postgres now"]);
  });
});

describe("an Action run that names the drill namespace", () => {
  it("removes what an expired drill left, whatever its operations, and leaves a live drill's", async () => {
    const cluster = new FakeCluster();
    const { expired, live } = expiredAndLive();
    await cluster.apply([...expired.setting.filter((o) => o.kind === "ConfigMap")]);
    await cluster.apply(live.workloads.slice(0, 1));
    const inputs = readInputs(
      (name) => ({ operations: "verify", "drill-namespace": SPEC.namespace })[name] ?? "",
    );
    const said: string[] = [];
    await runOperations(
      cluster,
      inputs,
      DEFAULT_SETTINGS,
      async () => [],
      {},
      (l) => said.push(l),
    );
    const left = (kind: string) =>
      cluster
        .list(kind, SPEC.namespace)
        .then((all) => all.map((o) => o.metadata.labels?.[DRILL_LABEL]));
    expect(await left("ConfigMap")).toEqual([]);
    expect(await left("StatefulSet")).toEqual(["now"]);
    expect(said[0]).toMatch(/^removed what an expired drill left: ConfigMap\//);
  });
});

describe("the drill's measures", () => {
  it("take the RPO as the metrics do (scripts/pgbackrest-metrics.sh --wal)", () => {
    const script = readFileSync(projectPath("scripts", "pgbackrest-metrics.sh"), "utf8");
    const rpo =
      "greatest(0, coalesce(floor(extract(epoch FROM now() - min(s.modification))), 0))::bigint";
    expect(script).toContain(rpo);
    expect(RPO_SQL).toContain(rpo);
    expect(script).toContain("pg_ls_archive_statusdir() s ON s.name LIKE '%.ready'");
    expect(RPO_SQL).toContain("pg_ls_archive_statusdir() s WHERE s.name LIKE '%.ready'");
  });

  it("push the last success only when the drill passed", () => {
    const figures = {
      stanza: "mcpgov",
      endedAt: 1_800_000_000,
      rtoSeconds: 21.4,
      rpoSeconds: 0,
      rtoBudgetSeconds: 900,
      maxAgeSeconds: 691_200,
    };
    const passed = drillMetrics({ ...figures, passed: true });
    expect(passed).toContain(
      'mcpgov_backup_drill_last_success_timestamp_seconds{stanza="mcpgov"} 1800000000',
    );
    expect(passed).toContain('mcpgov_backup_drill_last_rto_seconds{stanza="mcpgov"} 21.4');
    expect(passed).toContain('mcpgov_backup_drill_rto_budget_seconds{stanza="mcpgov"} 900');
    const failed = drillMetrics({ ...figures, passed: false, rtoSeconds: null });
    expect(failed).toContain('mcpgov_backup_drill_last_status{stanza="mcpgov"} 0');
    expect(failed).not.toContain("last_success");
    expect(failed).not.toContain("last_rto");
  });
});
