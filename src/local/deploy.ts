// Deploying manifests/ (or an overlay of it) to a cluster the way the README does, with
// the per-cluster Secrets made for it (core/manifests/per-cluster-secrets.ts).
import type { Cluster, KubeObject } from "../core/cluster.ts";
import { manifestObjects } from "../core/manifests/per-cluster-secrets.ts";
import { deploy } from "../core/operations/deploy.ts";
import { withoutProgress } from "../core/progress.ts";
import { DEFAULT_SETTINGS } from "../core/settings.ts";

/** The whole of manifests/ deployed and ready for backups (the seed's names), with the core's deploy. */
export async function deployForBackups(
  cluster: Cluster,
  timeoutMs = 300_000,
): Promise<KubeObject[]> {
  const objects = manifestObjects();
  await deploy(cluster, DEFAULT_SETTINGS, { objects, timeoutMs }, withoutProgress);
  return objects;
}
