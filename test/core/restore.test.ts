// The restore Jobs made from the templates of manifests/restore/ take their target through
// RESTORE_TARGET, which reaches pgBackRest as one argument; a target for the full restore
// Job is refused.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { jobFromCronJob } from "../../src/core/jobs.ts";
import { restoreJobFor } from "../../src/core/restore-job.ts";
import { baseObject } from "../support/base.ts";

/** The Job `kubectl create job --from=cronjob/NAME` makes of the base's template. */
const load = (name: string) => jobFromCronJob(baseObject("CronJob", name), `${name}-1`);
// biome-ignore lint/suspicious/noExplicitAny: reading the Job's container
const container = (job: KubeObject): any => (job.spec as any).template.spec.containers[0];

describe("restore Jobs", () => {
  it("sets the point-in-time target, leaving the manifest as it was", () => {
    const manifest = load("pgbackrest-restore-pitr");
    const job = restoreJobFor(manifest, "2026-11-24 10:00:00+00; rm -rf /");
    expect(container(job).env[0]).toEqual({
      name: "RESTORE_TARGET",
      value: "2026-11-24 10:00:00+00; rm -rf /",
    });
    // The rest of the environment (the S3 repository's keys) is the manifest's.
    expect(container(job).env.slice(1)).toEqual(container(manifest).env.slice(1));
    expect(container(job).args).toContain("--target=$(RESTORE_TARGET)");
    // The restore's fence passes its arguments to pgbackrest as they are ("$@"): the target
    // never reaches a shell's parsing (test/scripts/restore-fence.test.ts).
    expect(container(job).command).toEqual(["sh", "/etc/pgbackrest/restore-fence.sh", "restore"]);
    expect(container(manifest).env[0].value).toBe("2024-01-15 14:30:00+00");
  });

  it("refuses a target for the full restore Job, saying which Job to use", () => {
    expect(() => restoreJobFor(load("pgbackrest-restore"), "2026-11-24 10:00:00+00")).toThrow(
      "restore Job pgbackrest-restore-1 takes no target (no RESTORE_TARGET); use the point-in-time restore Job",
    );
  });
});
