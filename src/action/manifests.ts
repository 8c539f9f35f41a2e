// The objects the Action deploys and verifies: a kustomization rendered by kustomize (the
// bundled base by default, or the caller's overlay), or a directory of the base's files in
// deploy's order; on the local runner, with the per-cluster Secrets made for the run.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../core/cluster.ts";
import { isKustomization, renderKustomization } from "../core/kustomize.ts";
import { loadManifestFile } from "../core/manifests/load.ts";
import { APPLY_ORDER, USER_PROVIDED_FILES } from "../core/manifests/order.ts";
import { containersOf, podSpecOf } from "../core/manifests/pod.ts";
import { projectPath } from "../core/paths.ts";
import { InputError, type Inputs } from "./inputs.ts";

/** The manifests to deploy to Kubernetes; the per-cluster secrets must already be there. */
export function kubernetesObjects(dir: string): KubeObject[] {
  if (!existsSync(dir)) throw new InputError(`input manifests: ${dir} is missing`);
  if (isKustomization(dir)) return renderKustomization(dir);
  return APPLY_ORDER.filter((file) => !(file in USER_PROVIDED_FILES)).flatMap((file) => {
    const path = join(dir, file);
    if (!existsSync(path))
      throw new InputError(
        `input manifests: ${path} is missing (a directory of the base's files, or a kustomization)`,
      );
    return loadManifestFile(path).map((d) => d.object as KubeObject);
  });
}

/** Every container of every pod template runs `image` instead of the manifests' one. */
export function withImage(objects: KubeObject[], image: string): KubeObject[] {
  if (!image) return objects;
  return objects.map((object) => {
    const copy = structuredClone(object);
    const spec = podSpecOf(copy);
    for (const container of spec ? containersOf(spec) : []) container.image = image;
    return copy;
  });
}

/** The manifests to deploy: the local runner makes the per-cluster files itself. */
export async function objectsFor(inputs: Inputs): Promise<KubeObject[]> {
  if (inputs.cluster !== "local")
    return kubernetesObjects(inputs.manifests || projectPath("manifests"));
  const { manifestObjects } = await import("../local/deploy.ts");
  return manifestObjects(inputs.manifests || undefined);
}
