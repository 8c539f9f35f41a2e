// The manifests' paths, for the tests that render kustomizations with the product's own
// renderer (src/core/kustomize.ts, the real kustomize of the pinned kubectl).
import { join } from "node:path";
import { projectPath } from "../../src/core/paths.ts";

export { renderKustomization as kustomize } from "../../src/core/kustomize.ts";

export const manifestsPath = (...parts: string[]) => projectPath(join("manifests", ...parts));
