// manifests/ with manifests/monitoring/ on the local cluster runner: the pgbackrest-metrics
// pod, unchanged, reads the repository host over mutual TLS and serves the figures of a
// full backup taken by the manifests' own Jobs; a Prometheus stand-in scrapes them through
// the Service, from inside the cluster network, and they are pgBackRest's own. The runner
// enforces the policies' ingress here: the repository host admits the metrics pod only by
// the overlay's policy, and a pod that is not Prometheus cannot reach 9100. The weekly
// validation, run from its CronJob, pushes its verdict and RTO to the Pushgateway in the
// same pod, where Prometheus reads them; no other pod may push. The wal-metrics container
// the component adds beside PostgreSQL pushes the WAL figures there too; no other pod may.
import { beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { POSTGRES } from "../../src/core/names/objects.ts";
import { projectPath } from "../../src/core/paths.ts";
import { repoOf } from "../../src/core/pgbackrest/info.ts";
import { stanzaInfo } from "../../src/core/repository.ts";
import { reportFromLog } from "../../src/core/validation-report.ts";
import { loadMonitoringManifests } from "../manifests/support.ts";
import { until } from "../support/daemons.ts";
import { localClusterForFile, TIMEOUT } from "../support/e2e-cluster.ts";
import { requireComplete, runCronJob } from "../support/jobs.ts";
import { parseMetrics, type Sample, sampleValue } from "../support/metrics.ts";

const NS = "ai-governance";
const METRICS_POD = { app: "pgbackrest", "app.kubernetes.io/component": "metrics" };
// By the Service's name across namespaces: Prometheus runs in its own.
const SCRAPE_URL = `http://pgbackrest-metrics.${NS}:9100/metrics`;
const PUSHGATEWAY_URL = `http://pgbackrest-metrics.${NS}:9091/metrics`;
/** The WAL figures' own Pushgateway: only PostgreSQL pushes there. */
const WAL_PUSHGATEWAY_URL = `http://pgbackrest-metrics.${NS}:9092/metrics`;
const e2e = localClusterForFile({ deploy: true, enforceIngressPolicies: true });

/** A pod that only sleeps, to run commands in with these labels. */
function probePod(name: string, labels: Record<string, string>, namespace = NS): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: POSTGRES.uid, runAsGroup: POSTGRES.uid },
      containers: [{ name: "main", image: "example/curl:8", command: ["sleep", "3600"] }],
    },
  };
}

const prometheus = probePod("prometheus", { "app.kubernetes.io/name": "prometheus" }, "monitoring");
/** Anyone may label a pod "prometheus" in a namespace of theirs. */
const impostor = probePod("impostor", { "app.kubernetes.io/name": "prometheus" }, "other");
const application = probePod("governance-api", { app: "governance-api" });

beforeAll(async () => {
  // The backup comes first: the writer's first round, as the pod starts, must show it.
  await e2e.fullBackup("monitoring-full-1");
  // The monitoring component's objects as an overlay installs them: in the base's
  // namespace (the files name none); then PostgreSQL's StatefulSet as the component
  // patches it (its wal-metrics container), which replaces postgres-0.
  const names = new Set(
    loadMonitoringManifests().map(
      (d) => `${d.object.kind}/${(d.object as KubeObject).metadata.name}`,
    ),
  );
  const rendered = renderKustomization(projectPath("test/fixtures/manifests/with-monitoring"));
  const monitoring = rendered.filter((o) => names.has(`${o.kind}/${o.metadata.name}`));
  const postgres = rendered.filter(
    (o) => o.kind === "StatefulSet" && o.metadata.name === "postgres",
  );
  expect(postgres).toHaveLength(1);
  await e2e.cluster.apply([...monitoring, prometheus, impostor, application]);
  await e2e.cluster.waitForPodsReady(NS, METRICS_POD, 120_000).catch(async (error) => {
    throw new Error(`${error.message}; the metrics pod:\n${await metricsPodLogs()}`);
  });
  await e2e.cluster.apply(postgres);
  await e2e.cluster.waitForPodsReady(NS, POSTGRES.labels, 180_000);
}, TIMEOUT.setUp);

async function metricsPodLogs(): Promise<string> {
  const [pod] = await e2e.cluster.list("Pod", NS, METRICS_POD);
  if (!pod) return "no pod";
  const logs = [];
  for (const container of ["writer", "node-exporter", "pushgateway", "pushgateway-wal"])
    logs.push(`${container}:\n${await e2e.cluster.logs(NS, pod.metadata.name, container)}`);
  return logs.join("\n");
}

/** What `curl` in the pod gets from the URL, by the Service's name. */
function fetchFrom(pod: KubeObject, url: string) {
  const target = { namespace: pod.metadata.namespace ?? NS, pod: pod.metadata.name };
  return e2e.cluster.exec({ ...target, container: "main" }, [
    "curl",
    "-sS",
    "--connect-timeout",
    "3",
    url,
  ]);
}

/** What `curl` in the pod's container gets when it PUTs these figures to the URL (a Pushgateway's group). */
function pushFrom(
  where: { namespace: string; pod: string; container: string },
  figures: string,
  url: string,
) {
  return e2e.cluster.exec(where, [
    "curl",
    "-sS",
    "--connect-timeout",
    "3",
    "--request",
    "PUT",
    "--data-binary",
    figures,
    url,
  ]);
}

/** A probe pod's main container. */
function inProbe(pod: KubeObject) {
  return { namespace: pod.metadata.namespace ?? NS, pod: pod.metadata.name, container: "main" };
}

/** The first exposition that holds the writer's figures (node_exporter answers before the writer has written). */
function scrapeWritten(): Promise<Sample[]> {
  return until(
    "the writer's figures served on pgbackrest-metrics:9100",
    async () => {
      const response = await fetchFrom(prometheus, SCRAPE_URL);
      if (response.code !== 0) return undefined;
      const samples = parseMetrics(response.stdout);
      return samples.some((s) => s.name === "mcpgov_backup_info_success") ? samples : undefined;
    },
    90_000,
  );
}

describe("manifests/monitoring/ on the local cluster runner", () => {
  it("serves through the Service what pgbackrest info says of the full backup taken before the pod started", async () => {
    const samples = await scrapeWritten();
    const stanza = await stanzaInfo(e2e.cluster, NS, "mcpgov");
    const fulls = stanza.backup.filter((b) => b.type === "full" && repoOf(b) === 1);
    expect(fulls).toHaveLength(1);
    const repo1 = { stanza: "mcpgov", repo: "1" };
    expect(sampleValue(samples, "mcpgov_backup_info_success", { stanza: "mcpgov" })).toBe(1);
    const repo1Status = stanza.repo?.find((r) => r.key === 1)?.status.code;
    expect(repo1Status).toBe(0);
    expect(sampleValue(samples, "mcpgov_backup_repo_status_code", repo1)).toBe(repo1Status);
    expect(
      sampleValue(samples, "mcpgov_backup_last_success_timestamp_seconds", {
        ...repo1,
        type: "full",
      }),
    ).toBe(fulls[0]?.timestamp.stop);
    expect(sampleValue(samples, "mcpgov_backup_backups", { ...repo1, type: "full" })).toBe(1);
  }, 120_000);

  it("lets only Prometheus reach 9100: another pod's connection is dropped, even one labelled prometheus elsewhere", async () => {
    await scrapeWritten();
    for (const pod of [application, impostor]) {
      const refused = await fetchFrom(pod, SCRAPE_URL);
      expect(refused.stdout).toBe("");
      // 28: the connection timed out (dropped), not a name that did not resolve (6) or a refusal (7).
      expect(refused.code).toBe(28);
    }
  }, 60_000);

  it("the validation Job pushes its verdict and RTO to the Pushgateway for Prometheus; another pod may not push", async () => {
    const run = await runCronJob(
      e2e.cluster,
      NS,
      "pgbackrest-restore-validation",
      "monitoring-validation-1",
      600_000,
    );
    requireComplete("the restore validation", run);
    const report = reportFromLog(run.logs);
    expect(report?.status).toBe("passed");
    expect(run.logs).toContain(
      "pushed the verdict to http://pgbackrest-metrics:9091/metrics/job/pgbackrest-restore-validation/stanza/mcpgov/repo/1",
    );

    const scraped = await fetchFrom(prometheus, PUSHGATEWAY_URL);
    expect(scraped.code).toBe(0);
    const samples = parseMetrics(scraped.stdout);
    const group = { stanza: "mcpgov", repo: "1", job: "pgbackrest-restore-validation" };
    expect(sampleValue(samples, "mcpgov_backup_validation_last_success", group)).toBe(1);
    expect(sampleValue(samples, "mcpgov_backup_validation_last_rto_seconds", group)).toBe(
      report?.rtoSeconds,
    );

    // A forged fresh verdict, from an application and from a pod that calls itself
    // Prometheus in another namespace: both dropped.
    for (const forger of [application, impostor]) {
      const pushed = await pushFrom(
        inProbe(forger),
        "mcpgov_backup_validation_last_success 1\n",
        `${PUSHGATEWAY_URL}/job/pgbackrest-restore-validation/stanza/mcpgov/repo/1`,
      );
      expect(pushed.code).toBe(28);
    }
  }, 660_000);

  it("the wal-metrics container beside PostgreSQL pushes the WAL figures to their own Pushgateway for Prometheus; another pod may not push them, and PostgreSQL may not push a verdict", async () => {
    const group = { stanza: "mcpgov", job: "pgbackrest-wal" };
    const samples = await until(
      "the WAL figures pushed from postgres-0",
      async () => {
        const scraped = await fetchFrom(prometheus, WAL_PUSHGATEWAY_URL);
        if (scraped.code !== 0) return undefined;
        const parsed = parseMetrics(scraped.stdout);
        return sampleValue(parsed, "mcpgov_backup_wal_success", group) === 1 ? parsed : undefined;
      },
      120_000,
    ).catch(async (error) => {
      const logs = await e2e.cluster.logs(NS, "postgres-0", "wal-metrics");
      throw new Error(`${error.message}; wal-metrics:\n${logs}`);
    });
    expect(sampleValue(samples, "mcpgov_backup_wal_archiving_enabled", group)).toBe(1);
    expect(sampleValue(samples, "mcpgov_backup_rpo_target_seconds", group)).toBe(900);
    expect(sampleValue(samples, "mcpgov_backup_rpo_seconds", group)).toBeGreaterThanOrEqual(0);
    // The full backup archived WAL: the archiver's own counter, read by the container.
    expect(sampleValue(samples, "mcpgov_backup_wal_archived_total", group)).toBeGreaterThan(0);
    const collected = sampleValue(samples, "mcpgov_backup_wal_timestamp_seconds", group) ?? 0;
    expect(collected).toBeGreaterThan(Date.now() / 1000 - 300);

    // A forged "all archived", from an application and from a pod that calls itself
    // Prometheus in another namespace: both dropped.
    for (const forger of [application, impostor]) {
      const pushed = await pushFrom(
        inProbe(forger),
        'mcpgov_backup_rpo_seconds{stanza="mcpgov"} 0\n',
        `${WAL_PUSHGATEWAY_URL}/job/pgbackrest-wal/stanza/mcpgov`,
      );
      expect(pushed.code).toBe(28);
    }

    // Nor may PostgreSQL push a verdict: the validations' Pushgateway is not its own.
    const forged = await pushFrom(
      { namespace: NS, pod: "postgres-0", container: "wal-metrics" },
      "mcpgov_backup_validation_last_success 1\n",
      `${PUSHGATEWAY_URL}/job/pgbackrest-restore-validation/stanza/mcpgov/repo/1`,
    );
    expect(forged.code).toBe(28);
  }, 240_000);
});
