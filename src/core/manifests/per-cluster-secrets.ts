// The two files a person makes per cluster before deploying manifests/ (README), made here
// for a cluster that has no person to make them (the local runner, tests, the demo):
// postgres-secret.yaml from its .example with a random password, and the TLS Secrets from
// scripts/make-tls-secrets.sh.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../cluster.ts";
import { isKustomization, renderKustomization } from "../kustomize.ts";
import { projectPath } from "../paths.ts";
import { DEFAULT_SETTINGS } from "../settings.ts";
import { UserError } from "../user-error.ts";
import { loadManifestFile } from "./load.ts";

/**
 * The objects of a kustomization (manifests/ by default, or an overlay of it), rendered by
 * kustomize, with the per-cluster Secrets made for its namespace.
 */
export function manifestObjects(manifestsDir = projectPath("manifests")): KubeObject[] {
  if (!isKustomization(manifestsDir))
    throw new UserError(
      `${manifestsDir} has no kustomization.yaml: give manifests/ or an overlay of it`,
    );
  return withPerClusterSecrets(renderKustomization(manifestsDir));
}

/** Rendered objects with the per-cluster Secrets placed right after the Namespace. */
export function withPerClusterSecrets(objects: KubeObject[]): KubeObject[] {
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
      projectPath("scripts/make-tls-secrets.sh"),
      ["--namespace", namespace, "--out", tls],
      { stdio: "pipe" },
    );
    const example = projectPath("manifests", "postgres-secret.yaml.example");
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
