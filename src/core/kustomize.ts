// A kustomization rendered as `kubectl apply -k` would render it: by the real kustomize,
// built into kubectl (GitHub's runners have it; `npm run setup` installs kubectl 1.34,
// pinned, in .tools/). Nothing here re-implements kustomize.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "./cluster.ts";
import { projectPath } from "./paths.ts";
import { UserError } from "./user-error.ts";

/** MCPGOV_KUBECTL, else the project's pinned kubectl, else kubectl on PATH. */
export function kubectlCommand(): string {
  if (process.env.MCPGOV_KUBECTL) return process.env.MCPGOV_KUBECTL;
  const pinned = projectPath(".tools", "kubectl");
  return existsSync(pinned) ? pinned : "kubectl";
}

/** Whether the directory is a kustomization (a base or an overlay). */
export function isKustomization(dir: string): boolean {
  return ["kustomization.yaml", "kustomization.yml", "Kustomization"].some((f) =>
    existsSync(join(dir, f)),
  );
}

/** The objects of the kustomization, in the order kustomize puts them. */
export function renderKustomization(dir: string): KubeObject[] {
  const kubectl = kubectlCommand();
  let rendered: string;
  try {
    rendered = execFileSync(kubectl, ["kustomize", dir], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === "ENOENT")
      throw new UserError(
        `kubectl was not found (${kubectl}): a kustomization is rendered with kubectl kustomize; install kubectl, or set MCPGOV_KUBECTL to it`,
      );
    const said = (failure.stderr ?? failure.message).trim().split("\n").slice(0, 3).join(" ");
    throw new UserError(`kubectl kustomize ${dir} failed: ${said}`);
  }
  // kustomize writes YAML 1.2 (defaultMode: 288, never 0440): the default schema reads it.
  return parseAllDocuments(rendered)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);
}
