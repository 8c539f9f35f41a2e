// The restore Jobs of manifests/restore/ as a person creates them (docs/restore.md): each
// test takes its own copy, to name or point elsewhere.
import type { KubeObject } from "../../src/core/cluster.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";

/** The Job of manifests/restore/`file`, a copy to change at will. */
export function restoreJob(file: string): KubeObject {
  const [doc] = loadManifestFile(projectPath("manifests", "restore", file));
  if (!doc) throw new Error(`manifests/restore/${file} holds no object`);
  return structuredClone(doc.object as KubeObject);
}
