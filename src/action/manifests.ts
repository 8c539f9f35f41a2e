// The objects the Action deploys and verifies: a kustomization rendered by kustomize (the
// bundled base by default, or the caller's overlay); on the local runner, with the
// per-cluster Secrets made for the run (core/manifests/per-cluster-secrets.ts).
import { existsSync } from "node:fs";
import type { KubeObject } from "../core/cluster.ts";
import { isKustomization, renderKustomization } from "../core/kustomize.ts";
import { withPerClusterSecrets } from "../core/manifests/per-cluster-secrets.ts";
import { containersOf, podSpecOf } from "../core/manifests/pod.ts";
import { projectPath } from "../core/paths.ts";
import { InputError, type Inputs } from "./inputs.ts";

/** The manifests to deploy to Kubernetes; the per-cluster secrets must already be there. */
export function kubernetesObjects(dir: string): KubeObject[] {
  if (!existsSync(dir)) throw new InputError(`input manifests: ${dir} is missing`);
  // The files name no namespace: only kustomize puts them in one.
  if (!isKustomization(dir))
    throw new InputError(
      `input manifests: ${dir} has no kustomization.yaml; give the bundled base (the default) or an overlay of it (see examples/)`,
    );
  return renderKustomization(dir);
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

/** The manifests to deploy; on the local runner, with the per-cluster files made for it. */
export async function objectsFor(inputs: Inputs): Promise<KubeObject[]> {
  const objects = kubernetesObjects(inputs.manifests || projectPath("manifests"));
  return inputs.cluster === "local" ? withPerClusterSecrets(objects) : objects;
}
