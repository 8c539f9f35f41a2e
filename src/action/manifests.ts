// The objects the Action deploys and verifies: a kustomization rendered by kustomize (the
// bundled base by default, or the caller's overlay), its pgBackRest image replaced by the
// `image` input as an `images:` entry would; on the local runner, with the per-cluster
// Secrets made for the run (core/manifests/per-cluster-secrets.ts).
import { existsSync } from "node:fs";
import type { KubeObject } from "../core/cluster.ts";
import { imageOverride, isKustomization, renderKustomization } from "../core/kustomize.ts";
import { withPerClusterSecrets } from "../core/manifests/per-cluster-secrets.ts";
import { containersOf, podSpecOf } from "../core/manifests/pod.ts";
import { PGBACKREST_IMAGE } from "../core/names/objects.ts";
import { projectPath } from "../core/paths.ts";
import { InputError, type Inputs } from "./inputs.ts";

/**
 * The manifests to deploy to Kubernetes; the per-cluster secrets must already be there.
 * With `image`, the pgBackRest image runs it; the bot's and every other image keep theirs.
 */
export function kubernetesObjects(dir: string, image = ""): KubeObject[] {
  if (!existsSync(dir)) throw new InputError(`input manifests: ${dir} is missing`);
  // The files name no namespace: only kustomize puts them in one.
  if (!isKustomization(dir))
    throw new InputError(
      `input manifests: ${dir} has no kustomization.yaml; give the bundled base (the default) or an overlay of it (see examples/)`,
    );
  if (!image) return renderKustomization(dir);
  const override = imageOverride(PGBACKREST_IMAGE, image);
  const objects = renderKustomization(dir, [override]);
  // An overlay whose images: renamed the image leaves nothing to replace: say so, not nothing.
  const runsIt = (container: string) =>
    override.digest || override.newTag
      ? container === image
      : container.startsWith(`${override.newName}:`);
  const images = objects.flatMap((o) => {
    const spec = podSpecOf(o);
    return spec ? containersOf(spec).map((c) => c.image ?? "") : [];
  });
  if (!images.some(runsIt))
    throw new InputError(
      `input image: no container of ${dir} runs ${PGBACKREST_IMAGE} (its images: names another); set the image in the overlay's images: entry instead, or leave the image input out`,
    );
  return objects;
}

/** The manifests to deploy; on the local runner, with the per-cluster files made for it. */
export async function objectsFor(inputs: Inputs): Promise<KubeObject[]> {
  const objects = kubernetesObjects(inputs.manifests || projectPath("manifests"), inputs.image);
  return inputs.cluster === "local" ? withPerClusterSecrets(objects) : objects;
}
