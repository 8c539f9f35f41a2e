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
import { deploy } from "../core/operations/deploy.ts";
import { DEFAULT_SETTINGS, withoutProgress } from "../core/operations/settings.ts";
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

/** The whole of manifests/ deployed and ready for backups (the seed's names), with the core's deploy. */
export async function deployForBackups(
  cluster: Cluster,
  timeoutMs = 300_000,
): Promise<KubeObject[]> {
  const objects = manifestObjects();
  await deploy(cluster, DEFAULT_SETTINGS, { objects, timeoutMs }, withoutProgress);
  return objects;
}
