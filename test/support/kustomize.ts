// The real kustomize, as kubectl 1.34 carries it (scripts/setup.sh installs it pinned in
// .tools/): a kustomization rendered to the objects `kubectl apply -k` would send.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../src/core/cluster.ts";
import { projectPath } from "../../src/core/paths.ts";

export const KUBECTL = projectPath(".tools", "kubectl");

export function kustomize(dir: string): KubeObject[] {
  if (!existsSync(KUBECTL)) throw new Error(`${KUBECTL} is missing: run npm run setup`);
  const rendered = execFileSync(KUBECTL, ["kustomize", dir], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  // kustomize writes YAML 1.2 (defaultMode: 288, not 0440): the default schema reads it.
  return parseAllDocuments(rendered)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

export const manifestsPath = (...parts: string[]) => projectPath(join("manifests", ...parts));
