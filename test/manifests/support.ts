// Loading the repository's manifests once for the manifest tests.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { renderKustomization } from "../../src/core/kustomize.ts";
import {
  loadManifestDir,
  loadManifestFile,
  type ManifestDoc,
} from "../../src/core/manifests/load.ts";
import { APPLY_ORDER, CLONE_FILES } from "../../src/manifest-checks/order.ts";

export const root = new URL("../..", import.meta.url).pathname;
export const manifestsDir = join(root, "manifests");

/** Objects made per cluster (by make-tls-secrets.sh) and the keys they carry. */
export const PROVIDED = {
  "Secret/pgbackrest-tls-repo-host": ["ca.crt", "tls.crt", "tls.key"],
  "Secret/pgbackrest-tls-postgres": ["ca.crt", "tls.crt", "tls.key"],
  "Secret/pgbackrest-tls-client": ["ca.crt", "tls.crt", "tls.key"],
};

/**
 * Every committed manifest in apply order (the restore Jobs' templates of manifests/restore/
 * and of a clone's server among them), postgres-secret.yaml read from its committed
 * .example, then a clone's claim, Service and policy and the psql pod of manifests/clone/
 * (made per clone, or by a person), then the S3 repository's manifests/s3/, then
 * manifests/monitoring/.
 */
export function loadCommittedManifests(dir = manifestsDir): ManifestDoc[] {
  const applied = APPLY_ORDER.flatMap((file) => {
    const path = join(dir, file);
    if (existsSync(path) && file !== "postgres-secret.yaml") return loadManifestFile(path);
    if (existsSync(`${path}.example`)) return loadManifestFile(`${path}.example`);
    return [];
  });
  return [
    ...applied,
    // The clone's objects made per clone beside its server (whose template is applied).
    ...CLONE_FILES.flatMap((file) => loadManifestFile(join(dir, file))),
    ...loadS3Manifests(dir),
    ...loadMonitoringManifests(dir),
  ];
}

/**
 * manifests/monitoring/'s Kubernetes objects; the Prometheus Operator's PrometheusRule and
 * ServiceMonitor are checked by test/monitoring/.
 */
export function loadMonitoringManifests(dir = manifestsDir): ManifestDoc[] {
  return loadManifestDir(join(dir, "monitoring")).filter(
    (d) => !String(d.object.apiVersion).startsWith("monitoring.coreos.com/"),
  );
}

/**
 * manifests/s3/, the off-site repository's additions, its Secrets from their .example, and
 * its CronJobs, which kustomize makes from the base's (manifests/s3/schedules) when the
 * component is added to the base.
 */
function loadS3Manifests(dir = manifestsDir): ManifestDoc[] {
  const s3 = join(dir, "s3");
  const files = readdirSync(s3)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yaml.example"))
    .filter((f) => f !== "kustomization.yaml") // kustomize's, not an object
    .sort()
    .flatMap((f) => loadManifestFile(join(s3, f)));
  // Without the namespace the render gives them, as the files beside them have none.
  const cronJobs = renderKustomization(join(root, "test/fixtures/manifests/with-s3"))
    .filter((o) => o.kind === "CronJob" && o.metadata.name.endsWith("-s3"))
    .map((object, index) => {
      const { namespace: _, ...metadata } = object.metadata;
      return { file: join(s3, "schedules (rendered)"), index, object: { ...object, metadata } };
    });
  return [...files, ...cronJobs];
}
