// The base as kustomize renders it (manifests/kustomization.yaml): its objects as they are
// deployed, in the base's namespace. The files name no namespace; tests that put them on a
// cluster take them from here. Rendered once per test file.
import type { KubeObject } from "../../src/core/cluster.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { projectPath } from "../../src/core/paths.ts";

let rendered: KubeObject[] | undefined;

function baseObjects(): KubeObject[] {
  rendered ??= renderKustomization(projectPath("manifests"));
  return rendered;
}

/** One object of the base, a copy to change at will. */
export function baseObject(kind: string, name: string): KubeObject {
  const found = baseObjects().find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is not in the rendered base`);
  return structuredClone(found);
}
