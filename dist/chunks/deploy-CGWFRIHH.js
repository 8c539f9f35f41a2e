import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);
import {
  DEFAULT_SETTINGS,
  deploy,
  isKustomization,
  loadManifestDir,
  loadManifestFile,
  renderKustomization,
  withoutProgress
} from "./chunk-YVUN3IK4.js";
import {
  projectRoot
} from "./chunk-FC3AGLQ4.js";

// src/local/deploy.ts
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
var root = projectRoot();
function manifestObjects(manifestsDir = join(root, "manifests")) {
  if (!isKustomization(manifestsDir))
    throw new Error(
      `${manifestsDir} has no kustomization.yaml: give manifests/ or an overlay of it`
    );
  const objects = renderKustomization(manifestsDir);
  const namespace = objects.find((o) => o.kind === "StatefulSet")?.metadata.namespace ?? DEFAULT_SETTINGS.namespace;
  const at = objects.findIndex((o) => o.kind === "Namespace") + 1;
  return [...objects.slice(0, at), ...perClusterSecrets(namespace), ...objects.slice(at)];
}
function perClusterSecrets(namespace) {
  const scratch = mkdtempSync(join(tmpdir(), "mcpgov-backup-secrets-"));
  try {
    const tls = join(scratch, "pgbackrest-tls-secrets.yaml");
    execFileSync(
      join(root, "scripts/make-tls-secrets.sh"),
      ["--namespace", namespace, "--out", tls],
      { stdio: "pipe" }
    );
    const example = join(root, "manifests", "postgres-secret.yaml.example");
    const postgres = loadManifestFile(example).map((d) => {
      const secret = d.object;
      return {
        ...secret,
        metadata: { ...secret.metadata, namespace },
        stringData: {
          ...secret.stringData,
          POSTGRES_PASSWORD: randomBytes(18).toString("base64url")
        }
      };
    });
    return [...postgres, ...loadManifestFile(tls).map((d) => d.object)];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
function restoreJobObjects(manifestsDir = join(root, "manifests")) {
  return loadManifestDir(join(manifestsDir, "restore")).map((d) => d.object);
}
async function deployForBackups(cluster, timeoutMs = 3e5) {
  const objects = manifestObjects();
  await deploy(cluster, DEFAULT_SETTINGS, { objects, timeoutMs }, withoutProgress);
  return objects;
}
export {
  deployForBackups,
  manifestObjects,
  restoreJobObjects
};
