// The seed's point-in-time restore on a host of this machine: the PITR Job's own
// pgBackRest arguments (its template's, manifests/restore/) with its RESTORE_TARGET filled
// in, then PostgreSQL started and waited for until recovery has ended.
import { join } from "node:path";
import type { KubeObject } from "../../src/core/cluster.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { podSpecOf } from "../../src/core/manifests/pod.ts";
import type { PgHost } from "../../src/local/lab/pg-host.ts";

/** Restores `host` to `target` (pgBackRest's --target form) with the Job's arguments plus `extra`. */
export async function restoreToTime(
  host: PgHost,
  manifestsDir: string,
  target: string,
  extra: string[] = [],
): Promise<void> {
  const file = join(manifestsDir, "restore", "pgbackrest-restore-pitr-cronjob.yaml");
  const [doc] = loadManifestFile(file);
  const template = doc?.object as KubeObject | undefined;
  const args = ((template && podSpecOf(template)?.containers[0]?.args) ?? []).map((a) =>
    a.replace("$(RESTORE_TARGET)", target),
  );
  if (args.length === 0) throw new Error(`${file}: no container arguments`);
  // The copy must never push WAL into the repository it came from.
  await host.run(["pgbackrest", ...extra, ...args, "--archive-mode=off"]);
  await host.start({ archive_mode: "off" });
  const deadline = Date.now() + 120_000;
  while ((await host.sql("select pg_is_in_recovery()")) === "t") {
    if (Date.now() > deadline) throw new Error("recovery did not finish in 120 s");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
