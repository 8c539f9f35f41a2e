// A PostgreSQL that is not ours (examples/adopt: a StatefulSet as a chart renders it, in
// the chart's namespace) given backups by manifests/adopt, on the local cluster runner:
// deployed by the core's deploy, it archives WAL, takes a full backup from the CronJob,
// and the weekly validation restores that backup and finds the chart's database in it.
import { beforeAll, describe, expect, it } from "vitest";
import { psql } from "../../src/core/database.ts";
import { manifestObjects } from "../../src/core/manifests/per-cluster-secrets.ts";
import { deploy } from "../../src/core/operations/deploy.ts";
import { projectPath } from "../../src/core/paths.ts";
import { validBackups } from "../../src/core/pgbackrest/info.ts";
import { withoutProgress } from "../../src/core/progress.ts";
import { stanzaInfo } from "../../src/core/repository.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { localClusterForFile, TIMEOUT } from "../support/e2e-cluster.ts";
import { requireComplete, runCronJob } from "../support/jobs.ts";

const SETTINGS = { ...DEFAULT_SETTINGS, namespace: "ledger" };
const chart = {
  namespace: SETTINGS.namespace,
  pod: "ledger-postgresql-0",
  container: "postgresql",
  database: "ledger",
};
const e2e = localClusterForFile();

beforeAll(async () => {
  // The chart's own Secret, which exists before backups are added.
  await e2e.cluster.apply([
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: SETTINGS.namespace },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "ledger-postgresql", namespace: SETTINGS.namespace },
      stringData: { "postgres-password": "chart-made-password" },
    },
  ]);
  const objects = manifestObjects(projectPath("examples", "adopt"));
  await deploy(e2e.cluster, SETTINGS, { objects, timeoutMs: TIMEOUT.job }, withoutProgress);
}, TIMEOUT.setUp);

describe("a chart's PostgreSQL adopted by manifests/adopt", { timeout: TIMEOUT.test }, () => {
  it("runs the chart's StatefulSet, archiving, with the TLS server beside it, in place of the base's", async () => {
    const statefulSets = await e2e.cluster.list("StatefulSet", SETTINGS.namespace, {});
    expect(statefulSets.map((s) => s.metadata.name).sort()).toEqual([
      "ledger-postgresql",
      "pgbackrest-repo-host",
    ]);
    // The reference StatefulSet of the base gave way.
    expect(await e2e.cluster.get("StatefulSet", SETTINGS.namespace, "postgres")).toBeUndefined();
    expect(await psql(e2e.cluster, "show archive_mode", chart)).toBe("on");
    expect(await psql(e2e.cluster, "show archive_command", chart)).toBe(
      "pgbackrest archive-push %p",
    );
    // The chart's pod, labelled for the base's Service and policies, with the TLS server
    // beside PostgreSQL.
    const pods = await e2e.cluster.list("Pod", SETTINGS.namespace, { app: "postgres" });
    expect(pods.map((p) => p.metadata.name)).toEqual(["ledger-postgresql-0"]);
    const sidecar = { namespace: SETTINGS.namespace, pod: "ledger-postgresql-0" };
    const version = await e2e.cluster.exec({ ...sidecar, container: "pgbackrest" }, [
      "pgbackrest",
      "version",
    ]);
    expect(version.stdout).toMatch(/^pgBackRest \d/);
  });

  it("takes a full backup from the CronJob that the weekly validation restores and checks", async () => {
    await psql(
      e2e.cluster,
      "create table ledger (id bigint primary key); insert into ledger select generate_series(1, 500)",
      chart,
    );
    requireComplete(
      "the full backup",
      await runCronJob(
        e2e.cluster,
        SETTINGS.namespace,
        "pgbackrest-full-backup",
        "full-1",
        TIMEOUT.job,
      ),
    );
    const backups = validBackups(
      await stanzaInfo(e2e.cluster, SETTINGS.namespace, SETTINGS.stanza),
    );
    expect(backups.map((b) => b.type)).toEqual(["full"]);

    const validation = await runCronJob(
      e2e.cluster,
      SETTINGS.namespace,
      "pgbackrest-restore-validation",
      "validation-1",
      300_000,
    );
    requireComplete("the validation", validation);
    expect(validation.logs).toMatch(/PASSED in \d+s/);
    // The base's checks, and the overlay's own named assertion on the chart's database.
    expect(validation.logs).toContain("check pass: application data (database ledger)");
    expect(validation.logs).toContain("assertion: the ledger table holds rows");
    expect(validation.logs).toContain(backups[0]?.label);
  });
});
