// verify against the base's CronJobs: the scheduled ones must run on the manifests'
// schedule, not suspended; the restore Jobs' templates (manifests/restore/) must stay
// suspended, and a Job made of one is a restore's, not a failed run of a schedule.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { verifyDeployment } from "../../src/core/operations/verify.ts";
import { withoutProgress } from "../../src/core/progress.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";
import { sampleBackup, sampleInfo } from "../../src/fakes/pgbackrest-info.ts";
import { baseObject } from "../support/base.ts";

const CRONJOBS = [
  "pgbackrest-full-backup",
  "pgbackrest-diff-backup",
  "pgbackrest-restore-validation",
  "pgbackrest-restore",
  "pgbackrest-restore-pitr",
  "pgbackrest-info",
];

/** A healthy deployment of the base's CronJobs: archiving works, one full backup. */
function deployed(): { cluster: FakeCluster; wanted: KubeObject[] } {
  const now = Date.now();
  const cluster = new FakeCluster({
    // pgbackrest info, in its Job (manifests/restore/pgbackrest-info-cronjob.yaml).
    job: () => ({
      outcome: "Complete",
      logs: sampleInfo([sampleBackup("20261124-010000F", "full", now - 60_000, now)]),
    }),
    exec: () => ({
      code: 0,
      stdout: `10|00000001000000000000000A|${new Date(now).toISOString()}|0||`,
      stderr: "",
    }),
  });
  const wanted = CRONJOBS.map((name) => baseObject("CronJob", name));
  void cluster.apply(wanted);
  return { cluster, wanted };
}

const verify = (cluster: FakeCluster, objects: KubeObject[]) =>
  verifyDeployment(cluster, DEFAULT_SETTINGS, { objects }, withoutProgress);

describe("verify and the restore Jobs' templates", () => {
  it("takes the templates' suspension as it should be, and a failed restore Job as no schedule's", async () => {
    const { cluster, wanted } = deployed();
    const template = baseObject("CronJob", "pgbackrest-restore-pitr");
    const labels = (template.spec as { jobTemplate: { metadata: { labels: object } } }).jobTemplate
      .metadata.labels;
    await cluster.apply([
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "pgbackrest-restore-pitr", namespace: "ai-governance", labels },
        status: { conditions: [{ type: "Failed", status: "True" }] },
      } as KubeObject,
    ]);
    expect((await verify(cluster, wanted)).problems).toEqual([]);
  });

  it("says so when a template is not suspended, and when a schedule is", async () => {
    const { cluster, wanted } = deployed();
    await cluster.setSuspended("ai-governance", "pgbackrest-restore", false);
    await cluster.setSuspended("ai-governance", "pgbackrest-full-backup", true);
    expect((await verify(cluster, wanted)).problems).toEqual([
      "CronJob pgbackrest-full-backup is suspended",
      "CronJob pgbackrest-restore is not suspended: it is a template and must never fire",
    ]);
  });
});
