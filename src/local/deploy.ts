// Deploying manifests/ (or an overlay of it) to a cluster the way the README does, with
// the per-cluster Secrets made for it (core/manifests/per-cluster-secrets.ts).
import type { Cluster, KubeObject } from "../core/cluster.ts";
import { manifestObjects } from "../core/manifests/per-cluster-secrets.ts";
import { deploy } from "../core/operations/deploy.ts";
import { withoutProgress } from "../core/progress.ts";
import { DEFAULT_SETTINGS } from "../core/settings.ts";

/**
 * The namespace, as a cluster admin creates it before any deploy (the core's deploy applies
 * no Namespace: its credentials hold no right to change Pod Security labels).
 */
export async function createNamespaceAsAdmin(
  cluster: Cluster,
  objects: KubeObject[],
): Promise<void> {
  await cluster.apply(objects.filter((o) => o.kind === "Namespace"));
}

/** The whole of manifests/ deployed and ready for backups (the seed's names), with the core's deploy. */
export async function deployForBackups(
  cluster: Cluster,
  timeoutMs = 300_000,
): Promise<KubeObject[]> {
  const objects = manifestObjects();
  await createNamespaceAsAdmin(cluster, objects);
  await deploy(cluster, DEFAULT_SETTINGS, { objects, timeoutMs }, withoutProgress);
  return objects;
}
