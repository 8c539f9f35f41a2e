// Deploying manifests/ to a cluster the way the README does, with the two files a person
// makes per cluster made here: postgres-secret.yaml from its .example with a random
// password, and the TLS Secrets from scripts/make-tls-secrets.sh.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cluster, KubeObject } from "../core/cluster.ts";
import { loadManifestDir, loadManifestFile } from "../core/manifests/load.ts";
import { APPLY_ORDER } from "../core/manifests/order.ts";
import { projectRoot } from "../core/paths.ts";

const root = projectRoot();

/** The objects of manifests/, in apply order, with the per-cluster files generated. */
export function manifestObjects(manifestsDir = join(root, "manifests")): KubeObject[] {
  const scratch = mkdtempSync(join(tmpdir(), "mcpgov-backup-secrets-"));
  try {
    const tls = join(scratch, "pgbackrest-tls-secrets.yaml");
    execFileSync(join(root, "scripts/make-tls-secrets.sh"), ["--out", tls], { stdio: "pipe" });
    return APPLY_ORDER.flatMap((file): KubeObject[] => {
      if (file === "pgbackrest-tls-secrets.yaml")
        return loadManifestFile(tls).map((d) => d.object as KubeObject);
      if (file === "postgres-secret.yaml") {
        return loadManifestFile(join(manifestsDir, `${file}.example`)).map((d) => {
          const secret = d.object as KubeObject & { stringData: Record<string, string> };
          return {
            ...secret,
            stringData: {
              ...secret.stringData,
              POSTGRES_PASSWORD: randomBytes(18).toString("base64url"),
            },
          };
        });
      }
      const path = join(manifestsDir, file);
      if (!existsSync(path)) throw new Error(`${path} is missing`);
      return loadManifestFile(path).map((d) => d.object as KubeObject);
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The restore Jobs of manifests/restore/, which a person creates when needed (docs/restore.md). */
export function restoreJobObjects(manifestsDir = join(root, "manifests")): KubeObject[] {
  return loadManifestDir(join(manifestsDir, "restore")).map((d) => d.object as KubeObject);
}

/** Applies everything up to the stanza Job, then waits for PostgreSQL and the repository host. */
export async function deployDatabase(
  cluster: Cluster,
  objects: KubeObject[],
  timeoutMs = 120_000,
): Promise<void> {
  const first = objects.findIndex((o) => o.kind === "Job");
  await cluster.apply(objects.slice(0, first));
  await cluster.waitForPodsReady("ai-governance", { app: "postgres" }, timeoutMs);
  await cluster.waitForPodsReady(
    "ai-governance",
    { "app.kubernetes.io/component": "repo-host" },
    timeoutMs,
  );
}

/** The whole of manifests/ deployed and ready for backups: the stanza Job done, the CronJobs in place. */
export async function deployForBackups(
  cluster: Cluster,
  timeoutMs = 300_000,
): Promise<KubeObject[]> {
  const objects = manifestObjects();
  await deployDatabase(cluster, objects, timeoutMs);
  await cluster.apply(objects.filter((o) => o.kind === "Job"));
  const stanza = await cluster.waitForJob("ai-governance", "pgbackrest-stanza-create", timeoutMs);
  if (stanza.outcome !== "Complete")
    throw new Error(
      `the stanza-create Job failed (${stanza.reason}); its log:\n${await cluster.logs("ai-governance", "job/pgbackrest-stanza-create")}`,
    );
  await cluster.apply(objects.filter((o) => o.kind === "CronJob"));
  return objects;
}
