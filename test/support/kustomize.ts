// The manifests' paths, for the tests that render kustomizations with the product's own
// renderer (src/core/kustomize.ts, the real kustomize of the pinned kubectl).
import { join } from "node:path";
import { projectPath } from "../../src/core/paths.ts";

export { renderKustomization as kustomize } from "../../src/core/kustomize.ts";

export const manifestsPath = (...parts: string[]) => projectPath(join("manifests", ...parts));

/** The labels the kustomizations add to every object and pod template. */
export const INSTALLATION_LABELS = [
  "app.kubernetes.io/instance",
  "app.kubernetes.io/version",
  "app.kubernetes.io/managed-by",
];

/**
 * The objects as their files say them: the installation labels taken out of every
 * metadata (the object's and its templates'), and what kustomize made only to hold them.
 */
export function withoutInstallationLabels<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutInstallationLabels) as T;
  if (value === null || typeof value !== "object") return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) copy[key] = withoutInstallationLabels(child);
  const metadata = copy.metadata as { labels?: Record<string, string> } | undefined;
  if (metadata?.labels) {
    for (const label of INSTALLATION_LABELS) delete metadata.labels[label];
    if (Object.keys(metadata.labels).length === 0) delete metadata.labels;
    if (Object.keys(metadata).length === 0) delete copy.metadata;
  }
  return copy as T;
}
