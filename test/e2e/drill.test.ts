// The disaster-recovery drill on the local cluster runner with an S3 server inside it: an
// overlay of the base with manifests/s3 (its bucket the test's, its assertion the ledger's
// row count) deployed by the Action, backed up to both repositories, production's
// repository host volume destroyed; then the Action's drill rebuilds the stack in the drill
// namespace the administrator prepared, from the bucket alone. It passes with its RTO and
// RPO, leaves no claim, pod or directory, and adds not one object to the bucket. A drill
// cut off by its time and one against a damaged bucket fail, say where, and leave nothing.
// The overlay has the monitoring component: each drill's push Job, from the drill
// namespace, takes its figures to production's real Pushgateway on the drill's port, where
// Prometheus reads them (a failed drill keeps the last success). The runner enforces the
// policies' ingress here: a push from a pod not labelled as the drill's pusher, or from a
// namespace that is not a drill namespace, is dropped.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readInputs } from "../../src/action/inputs.ts";
import { type ActionRun, runOperations } from "../../src/action/run.ts";
import { actionSettings } from "../../src/action/settings.ts";
import { renderSummary } from "../../src/action/summary.ts";
import type { Cluster, ExecTarget, KubeObject } from "../../src/core/cluster.ts";
import { archiveNow, MCPGOV_DATABASE, psql } from "../../src/core/database.ts";
import { DRILL_KINDS, listDrillObjects } from "../../src/core/drill-objects.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { withPerClusterSecrets } from "../../src/core/manifests/per-cluster-secrets.ts";
import { projectPath } from "../../src/core/paths.ts";
import { repoOf } from "../../src/core/pgbackrest/info.ts";
import { stanzaInfo } from "../../src/core/repository.ts";
import { runActionSteps } from "../support/action-run.ts";
import { localClusterForFile, TIMEOUT } from "../support/e2e-cluster.ts";
import { runCronJob } from "../support/jobs.ts";
import { parseMetrics, type Sample, sampleValue } from "../support/metrics.ts";
import { S3_BUCKET, s3Pod, s3ServerObjects } from "../support/s3-in-cluster.ts";

const NS = "ai-governance";
const DRILL_NS = "ai-governance-drill";
const ROWS = 1010;
const e2e = localClusterForFile({ enforceIngressPolicies: true });
/** The drill's own Pushgateway, by the Service's name across namespaces. */
const DRILL_PUSHGATEWAY_URL = `http://pgbackrest-metrics.${NS}:9093/metrics`;
/** The group a drill's figures land in: pushed job and stanza, as Prometheus keeps them (honorLabels). */
const DRILL_GROUP = { job: "mcpgov-backup-drill", stanza: "mcpgov" };

/** A pod that only sleeps, to run curl in with these labels. */
function probePod(name: string, namespace: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999 },
      containers: [{ name: "main", image: "example/curl:8", command: ["sleep", "3600"] }],
    },
  };
}

const prometheus = probePod("prometheus", "monitoring", { "app.kubernetes.io/name": "prometheus" });
/** The pusher's labels, in a namespace that is not a drill namespace: anyone may label a pod so. */
const lookalike = probePod("lookalike", "other", {
  "app.kubernetes.io/component": "drill-metrics",
});
/** A pod in the drill namespace that is not the drill's pusher. */
const neighbour = probePod("neighbour", DRILL_NS, { app: "governance-api" });

/** What curl in the probe pod gets from the URL (a POST of `body` when given). */
function curlFrom(pod: KubeObject, url: string, body?: string) {
  const post = body === undefined ? [] : ["--data-binary", body];
  return e2e.cluster.exec(
    { namespace: pod.metadata.namespace ?? NS, pod: pod.metadata.name, container: "main" },
    ["curl", "-sS", "--connect-timeout", "3", ...post, url],
  );
}

/** The drill's figures as Prometheus scrapes them from the drill's Pushgateway. */
async function drillFigures(): Promise<Sample[]> {
  const scraped = await curlFrom(prometheus, DRILL_PUSHGATEWAY_URL);
  if (scraped.code !== 0) throw new Error(`scraping 9093: ${scraped.code} ${scraped.stderr}`);
  return parseMetrics(scraped.stdout);
}

const figure = (samples: Sample[], name: string) =>
  sampleValue(samples, `mcpgov_backup_drill_${name}`, DRILL_GROUP);

/** The overlay a person would keep: the base, manifests/s3 with the test's bucket, an assertion. */
function overlay(): string {
  const dir = join(e2e.scratch, "overlay");
  mkdirSync(dir, { recursive: true });
  const assertion = `mcpgov\tledger rows\tselect count(*) = ${ROWS} from ledger`;
  writeFileSync(
    join(dir, "kustomization.yaml"),
    JSON.stringify({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      // kustomize takes no absolute path.
      resources: [relative(dir, projectPath("manifests"))],
      components: [
        relative(dir, projectPath("manifests", "s3")),
        relative(dir, projectPath("manifests", "monitoring")),
      ],
      patches: [
        {
          target: { kind: "ConfigMap", name: "pgbackrest-s3" },
          patch: JSON.stringify([
            ...Object.entries({
              PGBACKREST_REPO2_S3_BUCKET: S3_BUCKET,
              PGBACKREST_REPO2_S3_ENDPOINT: `s3.${NS}.svc`,
              PGBACKREST_REPO2_S3_URI_STYLE: "path",
              PGBACKREST_REPO2_STORAGE_PORT: "9443",
              PGBACKREST_REPO2_STORAGE_CA_FILE: "/etc/pgbackrest/s3/ca.crt",
            }).map(([key, value]) => ({ op: "add", path: `/data/${key}`, value })),
          ]),
        },
        {
          target: { kind: "ConfigMap", name: "pgbackrest-config" },
          patch: JSON.stringify([
            { op: "add", path: "/data/validation-assertions.tsv", value: `${assertion}\n` },
            { op: "add", path: "/data/drill-rto-budget-seconds", value: "900" },
          ]),
        },
      ],
    }),
  );
  return dir;
}

let manifests = "";

/** The Action's operations, in this process, as its workflow step gives them; failed runs returned. */
async function action(
  operations: string,
  extra: Record<string, string> = {},
  cluster: Cluster = e2e.cluster,
) {
  const inputs = readInputs(
    (name) =>
      ({
        operations,
        cluster: "local",
        manifests,
        "timeout-minutes": "5",
        "drill-namespace": DRILL_NS,
        ...extra,
      })[name] ?? "",
  );
  // The Prometheus Operator's kinds, which the runner has no controller for (nor a cluster
  // without the operator): the drill's figures reach the Pushgateway all the same.
  const objects = withPerClusterSecrets(renderKustomization(manifests)).filter(
    (o) => !String(o.apiVersion).startsWith("monitoring.coreos.com/"),
  );
  const given = async () => objects;
  const log: string[] = [];
  process.env.RUNNER_TEMP = e2e.scratch;
  const run: ActionRun = await runOperations(
    cluster,
    inputs,
    await actionSettings(inputs, given),
    given,
    {},
    (line) => log.push(line),
  );
  return { ...run, log: log.join("\n") };
}

/**
 * The cluster, and the ledger's row count in the drill's own PostgreSQL, read when the drill
 * asks it whether it accepts connections: the stack it rebuilt, before its clean-up.
 */
function watchingTheDrill(): { cluster: Cluster; ledger: () => string } {
  let ledger = "";
  const cluster = new Proxy(e2e.cluster, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property !== "exec") return typeof value === "function" ? value.bind(target) : value;
      return async (at: ExecTarget, command: string[]) => {
        if (at.namespace === DRILL_NS && command.includes("select 1"))
          ledger = await psql(target, "select count(*) from ledger", { ...at, database: "mcpgov" });
        return target.exec(at, command);
      };
    },
  });
  return { cluster, ledger: () => ledger };
}

/** What the administrator prepares once: the namespace, the read-only key, the cipher, TLS. */
async function prepareDrillNamespace(): Promise<void> {
  const production = await e2e.cluster.list("Secret", NS);
  const offsite = ["pgbackrest-s3-reader", "pgbackrest-cipher"].map((name) => {
    const secret = production.find((s) => s.metadata.name === name);
    if (!secret) throw new Error(`no Secret ${name} in ${NS}`);
    return { ...secret, metadata: { name, namespace: DRILL_NS } };
  });
  const ca = (await e2e.cluster.get("ConfigMap", NS, "pgbackrest-s3-ca")) as KubeObject;
  // The drill namespace's own TLS Secrets and postgres-secret, as scripts/make-tls-secrets.sh makes them.
  const own = withPerClusterSecrets([
    { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "x", namespace: DRILL_NS } },
  ]).filter((o) => o.kind === "Secret");
  await e2e.cluster.apply([
    // Labelled by the administrator: production's Pushgateway admits the drill's pusher from here.
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: DRILL_NS, labels: { "mcpgov-backup/drill-namespace": "true" } },
    },
    ...offsite,
    ...own,
    { ...ca, metadata: { name: ca.metadata.name, namespace: DRILL_NS } },
  ]);
}

/** Every object file in the bucket with its checksum: what the S3 server holds. */
async function bucketListing(): Promise<string> {
  const result = await e2e.cluster.exec(
    { namespace: NS, pod: await s3Pod(e2e.cluster, NS), container: "s3" },
    ["sh", "-c", `cd /data/${S3_BUCKET} && find . -type f -exec md5sum {} + | sort`],
  );
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout;
}

/** What the drill namespace holds of DRILL_KINDS: the administrator's objects only, between drills. */
async function drillNamespaceObjects(): Promise<string[]> {
  const found: string[] = [];
  for (const kind of DRILL_KINDS)
    for (const object of await e2e.cluster.list(kind, DRILL_NS))
      found.push(`${kind}/${object.metadata.name}`);
  return found;
}

let administrators: string[] = [];

/** No drill object, pod or claim directory left in the drill namespace: only the administrator's. */
async function expectNothingLeft(): Promise<void> {
  expect(await listDrillObjects(e2e.cluster, DRILL_NS)).toEqual([]);
  expect(await drillNamespaceObjects()).toEqual(administrators);
  for (const claim of ["postgres-data", "pgbackrest-repo"])
    expect(existsSync(e2e.cluster.claimPath(DRILL_NS, claim))).toBe(false);
}

beforeAll(async () => {
  await e2e.cluster.apply(s3ServerObjects(e2e.scratch, NS));
  await e2e.cluster.waitForPodsReady(NS, { app: "s3" }, 60_000);
  manifests = overlay();
  const deployed = await action("deploy");
  if (!deployed.ok) throw new Error(deployed.log);
  await prepareDrillNamespace();
  await e2e.cluster.apply([prometheus, lookalike, neighbour]);
  await e2e.cluster.waitForPodsReady(
    NS,
    { app: "pgbackrest", "app.kubernetes.io/component": "metrics" },
    120_000,
  );
  administrators = await drillNamespaceObjects();
  // The namespace's own pod, not a drill's: the administrator's as far as the drill knows.
  expect(administrators).toEqual(["Pod/neighbour", "ConfigMap/pgbackrest-s3-ca"]);
}, TIMEOUT.setUp);

const sql = (query: string) => psql(e2e.cluster, query, MCPGOV_DATABASE);

describe("the disaster-recovery drill on the local cluster runner", { timeout: 900_000 }, () => {
  let bucketBefore = "";
  /** When the passed drill ended, as pushed. */
  let passedAt = 0;

  it("rebuilds from the bucket alone: passes, reports RTO and RPO, leaves nothing, adds nothing to the bucket", async () => {
    await sql(
      "create table ledger (id bigint primary key, at timestamptz default clock_timestamp())",
    );
    await sql("insert into ledger (id) select generate_series(1, 1000)");
    await runActionSteps(e2e.cluster, { operations: "backup", cluster: "local", manifests }, []);
    const offsite = await runCronJob(
      e2e.cluster,
      NS,
      "pgbackrest-full-backup-s3",
      "drill-s3-full",
      240_000,
    );
    expect(offsite.result.outcome).toBe("Complete");
    const repos = (await stanzaInfo(e2e.cluster, NS, "mcpgov")).backup.map(repoOf);
    expect(repos.sort()).toEqual([1, 2]);
    // After the backups: only WAL brings these to the newest point.
    await sql(`insert into ledger (id) select generate_series(1001, ${ROWS})`);
    await archiveNow(e2e.cluster, 60_000, MCPGOV_DATABASE);
    expect(await sql("select count(*) from ledger")).toBe(String(ROWS));
    // The repository host's volume is gone: the drill must not need it.
    await e2e.cluster.delete("StatefulSet", NS, "pgbackrest-repo-host");
    await e2e.cluster.delete("PersistentVolumeClaim", NS, "pgbackrest-repo");
    bucketBefore = await bucketListing();

    const drill = watchingTheDrill();
    const run = await action("drill", {}, drill.cluster);
    expect(run.log).not.toContain("FAILED");
    // The drill's PostgreSQL holds production's ledger at the newest point.
    expect(drill.ledger()).toBe(String(ROWS));
    expect(run.ok).toBe(true);
    expect(run.outputs["drill-status"]).toBe("passed");
    const rto = Number(run.outputs["drill-rto-seconds"]);
    expect(rto).toBeGreaterThan(0);
    expect(run.outputs["drill-rpo-seconds"]).toBe("0");
    const report = JSON.parse(readFileSync(run.outputs["drill-report-path"] ?? "", "utf8"));
    expect(report).toMatchObject({
      status: "passed",
      backup: { repo: 2 },
      drill: { status: "passed", leftBehind: [] },
    });
    // The overlay's assertion: the drill's ledger has production's rows at the newest point.
    expect(report.checks).toContainEqual({
      name: "assertion: ledger rows",
      result: "pass",
      detail: "",
    });
    const summary = renderSummary(run.results);
    expect(summary).toContain("### Drill in ai-governance-drill: passed");
    expect(summary).toMatch(/\| start PostgreSQL on the copy .* \| ✅ \| \d+\.\ds \|/);
    console.log(summary);
    expect(summary).toContain("metrics pushed to pgbackrest-metrics.ai-governance:9093");
    await expectNothingLeft();
    expect(await bucketListing()).toBe(bucketBefore);

    // The figures at production's Pushgateway, pushed from the drill namespace.
    const samples = await drillFigures();
    expect(figure(samples, "last_status")).toBe(1);
    expect(figure(samples, "last_rto_seconds")).toBe(rto);
    expect(figure(samples, "last_rpo_seconds")).toBe(0);
    expect(figure(samples, "rto_budget_seconds")).toBe(900);
    expect(figure(samples, "max_age_seconds")).toBe(8 * 86_400);
    passedAt = figure(samples, "last_success_timestamp_seconds") ?? 0;
    expect(passedAt).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(figure(samples, "last_run_timestamp_seconds")).toBe(passedAt);
  });

  it("cut off by its time, fails in the phase it was in and leaves nothing", async () => {
    const run = await action("drill", { "timeout-minutes": "0.1" });
    expect(run.ok).toBe(false);
    expect(run.outputs["drill-status"]).toBe("failed");
    const [result] = run.results;
    console.log(result?.detail);
    expect(result?.detail).toMatch(/failed in phase ".*": the drill's time \(6s\) ran out/);
    await expectNothingLeft();
    expect(await bucketListing()).toBe(bucketBefore);
    // Its failure pushed, after its clean-up; the last success stands.
    expect(result?.detail).toContain("metrics pushed to pgbackrest-metrics.ai-governance:9093");
    const samples = await drillFigures();
    expect(figure(samples, "last_status")).toBe(0);
    expect(figure(samples, "last_success_timestamp_seconds")).toBe(passedAt);
    expect(figure(samples, "last_run_timestamp_seconds")).toBeGreaterThan(passedAt);
  });

  it("against a damaged bucket, fails, names the restore phase, and leaves nothing", async () => {
    // Every file of the bucket's backup sets overwritten: nothing decrypts.
    const damaged = await e2e.cluster.exec(
      { namespace: NS, pod: await s3Pod(e2e.cluster, NS), container: "s3" },
      [
        "sh",
        "-c",
        `find /data/${S3_BUCKET} -path '*/backup/*F/*' -name '*._S3rver_object' | while read -r f; do printf 'damaged' > "$f"; done`,
      ],
    );
    expect(damaged.code).toBe(0);
    const run = await action("drill");
    console.log(run.results[0]?.detail);
    expect(run.ok).toBe(false);
    expect(run.outputs["drill-status"]).toBe("failed");
    expect(run.results[0]?.detail).toMatch(
      /failed in phase "restore from the off-site copy and check/,
    );
    await expectNothingLeft();
  });

  it("no pod but the drill's pusher in a drill namespace may push the drill's figures: a forged pass is dropped", async () => {
    const forged = 'mcpgov_backup_drill_last_status{stanza="mcpgov"} 1\n';
    const group = `${DRILL_PUSHGATEWAY_URL}/job/mcpgov-backup-drill/stanza/mcpgov`;
    for (const forger of [neighbour, lookalike]) {
      const pushed = await curlFrom(forger, group, forged);
      // 28: the connection timed out (dropped), not a name that did not resolve (6) or a refusal (7).
      expect(pushed.code).toBe(28);
    }
    expect(figure(await drillFigures(), "last_status")).toBe(0);
  });
});
