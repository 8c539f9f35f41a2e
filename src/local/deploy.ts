// Deploying manifests/ (or an overlay of it) to a cluster the way the README does, with
// the two files a person makes per cluster made here: postgres-secret.yaml from its
// .example with a random password, and the TLS Secrets from scripts/make-tls-secrets.sh.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cluster, KubeObject } from "../core/cluster.ts";
import { isKustomization, renderKustomization } from "../core/kustomize.ts";
import { loadManifestDir, loadManifestFile } from "../core/manifests/load.ts";
import { deploy } from "../core/operations/deploy.ts";
import { projectRoot } from "../core/paths.ts";
import { withoutProgress } from "../core/progress.ts";
import { DEFAULT_SETTINGS } from "../core/settings.ts";

const root = projectRoot();

/**
 * The objects of a kustomization (manifests/ by default, or an overlay of it), rendered by
 * kustomize, with the per-cluster Secrets made for its namespace and placed right after
 * the Namespace.
 */
export function manifestObjects(manifestsDir = join(root, "manifests")): KubeObject[] {
  if (!isKustomization(manifestsDir))
    throw new Error(
      `${manifestsDir} has no kustomization.yaml: give manifests/ or an overlay of it`,
    );
  const objects = renderKustomization(manifestsDir);
  const namespace =
    objects.find((o) => o.kind === "StatefulSet")?.metadata.namespace ?? DEFAULT_SETTINGS.namespace;
  const at = objects.findIndex((o) => o.kind === "Namespace") + 1;
  return [...objects.slice(0, at), ...perClusterSecrets(namespace), ...objects.slice(at)];
}

/** What a person makes per cluster: the TLS Secrets (the script) and postgres-secret with a random password. */
function perClusterSecrets(namespace: string): KubeObject[] {
  const scratch = mkdtempSync(join(tmpdir(), "mcpgov-backup-secrets-"));
  try {
    const tls = join(scratch, "pgbackrest-tls-secrets.yaml");
    execFileSync(
      join(root, "scripts/make-tls-secrets.sh"),
      ["--namespace", namespace, "--out", tls],
      { stdio: "pipe" },
    );
    const example = join(root, "manifests", "postgres-secret.yaml.example");
    const postgres = loadManifestFile(example).map((d) => {
      const secret = d.object as KubeObject & { stringData: Record<string, string> };
      return {
        ...secret,
        metadata: { ...secret.metadata, namespace },
        stringData: {
          ...secret.stringData,
          POSTGRES_PASSWORD: randomBytes(18).toString("base64url"),
        },
      };
    });
    return [...postgres, ...loadManifestFile(tls).map((d) => d.object as KubeObject)];
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
