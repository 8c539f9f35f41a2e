// manifests/ with manifests/s3/ on the local cluster runner: an S3-compatible server runs
// as a pod behind a Service with a certificate from a test CA, and the pods of the
// manifests, unchanged, reach it with the keys, passphrase and CA the S3 files give them.
// The stanza Job creates the stanza in both repositories, the -s3 CronJobs back up to
// and validate the bucket, and the seed's PITR Job restores from the bucket (repo 2)
// with an exact ledger cut; nothing in the bucket is plaintext. Last, the disaster: both
// volumes lost, and the cluster rebuilt from the bucket alone by the steps of
// docs/runbooks/disaster-recovery.md, its restore Job edited by the runbook's own jq.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { archiveNow, MCPGOV_DATABASE, psql, waitWritable } from "../../src/core/database.ts";
import { jobFromCronJob } from "../../src/core/jobs.ts";
import { kubectlCommand, renderKustomization } from "../../src/core/kustomize.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { podSpecOf } from "../../src/core/manifests/pod.ts";
import { restoreProduction } from "../../src/core/operations/restore.ts";
import { projectPath } from "../../src/core/paths.ts";
import { repoOf } from "../../src/core/pgbackrest/info.ts";
import { withoutProgress } from "../../src/core/progress.ts";
import { stanzaInfo } from "../../src/core/repository.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { reportFromLog } from "../../src/core/validation-report.ts";
import { deployForBackups } from "../../src/local/deploy.ts";
import { baseObject } from "../support/base.ts";
import { localClusterForFile, nextSecond, TIMEOUT } from "../support/e2e-cluster.ts";
import { runCronJob, runJob } from "../support/jobs.ts";
import { S3_BUCKET, S3_PORT, s3Pod as s3PodOf, s3ServerObjects } from "../support/s3-in-cluster.ts";

const NS = "ai-governance";
const BUCKET = S3_BUCKET;
const ENDPOINT = `s3.${NS}.svc`;
const MARKER = `mcpgov-cluster-marker-${process.pid}-c41d`;
const e2e = localClusterForFile();

/**
 * The test's S3 server as a Deployment and a Service, its key and certificate in a Secret;
 * and what a person makes from manifests/s3/: the settings, the CA, the four Secrets.
 */
const s3Objects = (): KubeObject[] => [...s3ServerObjects(e2e.scratch, NS), s3Settings()];

/** A file of manifests/s3/ as `kubectl -n NS apply -f` sends it. */
const s3Manifest = (file: string): KubeObject => {
  const object = loadManifestFile(projectPath("manifests", "s3", file))[0]?.object as KubeObject;
  return { ...object, metadata: { ...object.metadata, namespace: NS } };
};

/** pgbackrest-s3.yaml as its comments say to edit it for a self-hosted store with a private CA. */
function s3Settings(): KubeObject {
  const configMap = s3Manifest("pgbackrest-s3.yaml");
  return {
    ...configMap,
    data: {
      ...(configMap.data as Record<string, string>),
      PGBACKREST_REPO2_S3_BUCKET: BUCKET,
      PGBACKREST_REPO2_S3_ENDPOINT: ENDPOINT,
      PGBACKREST_REPO2_S3_URI_STYLE: "path",
      PGBACKREST_REPO2_STORAGE_PORT: String(S3_PORT),
      PGBACKREST_REPO2_STORAGE_CA_FILE: "/etc/pgbackrest/s3/ca.crt",
    },
  };
}

beforeAll(async () => {
  await e2e.cluster.apply(s3Objects());
  await e2e.cluster.waitForPodsReady(NS, { app: "s3" }, 60_000).catch(async (error) => {
    const logs = await e2e.cluster.logs(NS, await s3Pod(), "s3").catch((e) => String(e));
    throw new Error(`${error.message}; the S3 server's log:\n${logs}`);
  });
  await deployForBackups(e2e.cluster);
  // The S3 component's CronJobs, as examples/production installs them.
  await e2e.cluster.apply(
    renderKustomization(projectPath("examples", "production")).filter(
      (o) => o.kind === "CronJob" && o.metadata.name.endsWith("-s3"),
    ),
  );
}, TIMEOUT.setUp);

const sql = (query: string) => psql(e2e.cluster, query, MCPGOV_DATABASE);

const info = () => stanzaInfo(e2e.cluster, NS, "mcpgov");

describe("manifests/ with manifests/s3/ on the local cluster runner", () => {
  it("created the stanza in both repositories with the stanza Job; repository 2 is encrypted", async () => {
    const logs = await e2e.cluster.logs(NS, "job/pgbackrest-stanza-create");
    expect(logs).toMatch(/successfully archived to .* on repo2/);
    const stanza = await info();
    expect(stanza.repo?.map((r) => [r.key, r.cipher])).toEqual([
      [1, "none"],
      [2, "aes-256-cbc"],
    ]);
  }, 60_000);

  let target = "";

  it("backs up to the bucket from the -s3 CronJob, and validates the bucket's backup", async () => {
    await sql(
      "create table ledger (id bigint primary key, note text, at timestamptz default clock_timestamp())",
    );
    await sql(
      `insert into ledger (id, note) select n, '${MARKER}' from generate_series(1, 1000) n`,
    );
    const full = await runCronJob(
      e2e.cluster,
      NS,
      "pgbackrest-full-backup-s3",
      "s3-full-1",
      240_000,
    );
    expect(full.logs).toContain("--repo=2");
    expect(full.result.outcome).toBe("Complete");
    expect((await info()).backup.map((b) => [b.type, repoOf(b)])).toEqual([["full", 2]]);

    const validation = await runCronJob(
      e2e.cluster,
      NS,
      "pgbackrest-restore-validation-s3",
      "s3-validation-1",
      240_000,
    );
    expect(validation.result.outcome).toBe("Complete");
    const report = reportFromLog(validation.logs) as { status: string; backup: object } | undefined;
    expect(report?.status).toBe("passed");
    expect(report?.backup).toMatchObject({ type: "full", repo: 2 });
  }, 600_000);

  it("restores production from the bucket to a point in time with the seed's PITR Job", async () => {
    await nextSecond(); // a second after the backup
    await sql("insert into ledger (id, note) select n, 'kept' from generate_series(1001, 1010) n");
    await new Promise((resolve) => setTimeout(resolve, 100));
    target = await sql(
      `select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US"+00"')`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sql("insert into ledger (id, note) select n, 'lost' from generate_series(1011, 1020) n");
    await archiveNow(e2e.cluster, 60_000, MCPGOV_DATABASE);

    // docs/s3.md: PGBACKREST_REPO=2 makes the Job restore from the bucket; here an env patch
    // of the template, as an overlay makes it, which the restore's Job then carries.
    const template = (await e2e.cluster.get(
      "CronJob",
      NS,
      "pgbackrest-restore-pitr",
    )) as KubeObject;
    const patched = structuredClone(template);
    podSpecOf(patched)?.containers[0]?.env?.push({ name: "PGBACKREST_REPO", value: "2" });
    await e2e.cluster.apply([patched]);
    const jobName = "pgbackrest-restore-pitr-s3";
    const request = { jobName, target, workloads: [], annotations: {}, timeoutMs: TIMEOUT.job };
    const { jobLog } = await restoreProduction(
      e2e.cluster,
      DEFAULT_SETTINGS,
      request,
      withoutProgress,
    ).finally(() => e2e.cluster.apply([template]));
    expect(jobLog).toContain("repo2: restore backup set");
    expect(await sql("select count(*), max(id) from ledger")).toBe("1010|1010");
  }, 600_000);

  it("rebuilds from the bucket alone after both volumes are lost, as the disaster-recovery runbook says", async () => {
    const before = await sql("select count(*), max(id) from ledger");
    await archiveNow(e2e.cluster, 60_000, MCPGOV_DATABASE);
    // The disaster: PostgreSQL, the repository host and both their volumes are gone.
    await e2e.cluster.delete("StatefulSet", NS, "postgres");
    await e2e.cluster.delete("StatefulSet", NS, "pgbackrest-repo-host");
    await e2e.cluster.delete("PersistentVolumeClaim", NS, "postgres-data");
    await e2e.cluster.delete("PersistentVolumeClaim", NS, "pgbackrest-repo");

    // Steps 1 and 3: new, empty volumes and the repository host; no PostgreSQL yet.
    await e2e.cluster.apply([
      ...baseManifest("postgres-data-pvc.yaml"),
      ...baseManifest("pgbackrest-pvc.yaml"),
      ...baseManifest("pgbackrest-repo-host-statefulset.yaml"),
    ]);
    await e2e.cluster.waitForPodsReady(NS, { "app.kubernetes.io/component": "repo-host" }, 120_000);

    // Step 5: the restore Job, from repository 2, onto the empty claim: pgBackRest makes
    // the data directory and says --delta had nothing to compare with, as the runbook says.
    const restore = await runJob(e2e.cluster, await runbookRestoreJob(), 300_000);
    expect(restore.result.outcome).toBe("Complete");
    expect(restore.logs).toContain("repo2: restore backup set");
    expect(restore.logs).toContain("unable to find 'PG_VERSION' or 'backup.manifest'");

    // Step 6: PostgreSQL recovers through archive-get from the bucket.
    await e2e.cluster.apply(baseManifest("postgres-statefulset.yaml"));
    await e2e.cluster.waitForPodsReady(NS, { app: "postgres" }, 300_000);
    await waitWritable(e2e.cluster, 300_000, MCPGOV_DATABASE);
    expect(await sql("select count(*), max(id) from ledger")).toBe(before);

    // Step 7: the stanza Job makes repository 1 again and finds repository 2 as it was. The
    // first one may have removed itself already (its ttlSecondsAfterFinished): --ignore-not-found.
    if (await e2e.cluster.get("Job", NS, "pgbackrest-stanza-create"))
      await e2e.cluster.delete("Job", NS, "pgbackrest-stanza-create");
    const stanza = await runJob(
      e2e.cluster,
      baseManifest("pgbackrest-stanza-create-job.yaml")[0] as KubeObject,
      240_000,
    );
    expect(stanza.result.outcome).toBe("Complete");
    expect((await info()).repo?.map((r) => [r.key, r.status.code])).toEqual([
      [1, 2], // no valid backup yet: the runbook's first backups come next
      [2, 0],
    ]);
  }, 900_000);

  it("asked nothing of the bucket beyond each pod's key: the front refused no request", async () => {
    // Backups and the stanza ran as the repository host, archiving as PostgreSQL, the
    // validation and the restores with the read-only key, each under its IAM policy.
    const log = await e2e.cluster.logs(NS, await s3Pod(), "s3");
    expect(log.split("\n").filter((line) => line.startsWith("denied "))).toEqual([]);
  }, 60_000);

  it("holds nothing readable in the bucket", async () => {
    const grep = await e2e.cluster.exec({ namespace: NS, pod: await s3Pod(), container: "s3" }, [
      "grep",
      "-rlF",
      MARKER,
      "/data",
    ]);
    expect(grep.stdout).toBe("");
    expect(grep.code).toBe(1); // grep: no file matched
    // Every object starts with the cipher's salt header: encrypted, not merely compressed.
    const headers = await e2e.cluster.exec({ namespace: NS, pod: await s3Pod(), container: "s3" }, [
      "sh",
      "-c",
      `find /data/${BUCKET} -name '*._S3rver_object' -exec head -c 8 {} \\; -exec echo \\;`,
    ]);
    const lines = headers.stdout.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.filter((l) => l !== "Salted__")).toEqual([]);
  }, 60_000);
});

/**
 * The restore Job as step 5 of the disaster-recovery runbook makes it: `kubectl create job
 * --from=cronjob/pgbackrest-restore` (what jobFromCronJob makes of the template the
 * cluster holds), then the runbook's `kubectl set env --local`, run with the real kubectl.
 */
async function runbookRestoreJob(): Promise<KubeObject> {
  const runbook = readFileSync(projectPath("docs", "runbooks", "disaster-recovery.md"), "utf8");
  const from = /create job (\S+) --from=cronjob\/(\S+) --dry-run=client -o yaml \\\n/.exec(runbook);
  const assignments = /\| kubectl set env --local -f - (.+) -o yaml \\\n/.exec(runbook)?.[1];
  if (!from?.[1] || !from[2] || !assignments)
    throw new Error("disaster-recovery.md: no `create job --from` and `set env --local` in step 5");
  const template = await e2e.cluster.get("CronJob", NS, from[2]);
  if (!template) throw new Error(`CronJob ${from[2]} is not deployed`);
  const job = jobFromCronJob(template, from[1]);
  const edited = execFileSync(
    kubectlCommand(),
    ["set", "env", "--local", "-f", "-", ...assignments.split(" "), "-o", "json"],
    { input: JSON.stringify(job) },
  );
  return JSON.parse(edited.toString()) as KubeObject;
}

/** The objects of a file of manifests/, as the base installs them (in its namespace). */
const baseManifest = (file: string) =>
  loadManifestFile(projectPath("manifests", file)).map((d) =>
    baseObject(String(d.object.kind), (d.object as KubeObject).metadata.name),
  );

const s3Pod = () => s3PodOf(e2e.cluster, NS);
