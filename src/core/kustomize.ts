// A kustomization rendered as `kubectl apply -k` would render it: by the real kustomize,
// built into kubectl (GitHub's runners have it; `npm run setup` installs kubectl 1.34,
// pinned, in .tools/). Nothing here re-implements kustomize.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
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

/** An `images:` entry of a kustomization: the image named `name` runs this one instead. */
export interface ImageOverride {
  name: string;
  newName: string;
  newTag?: string;
  digest?: string;
}

/**
 * The entry that makes the image `name` run `reference` (registry/repo, with :tag or
 * @sha256:… or neither, when the manifests' tag stays).
 */
export function imageOverride(name: string, reference: string): ImageOverride {
  const [named = "", digest] = reference.split("@", 2);
  // A tag is after the last colon that follows the last slash (registry:5000/repo is no tag).
  const colon = named.lastIndexOf(":");
  const tagged = colon > named.lastIndexOf("/");
  const newName = tagged ? named.slice(0, colon) : named;
  if (digest) return { name, newName, digest };
  return tagged ? { name, newName, newTag: named.slice(colon + 1) } : { name, newName };
}

/**
 * The objects of the kustomization, in the order kustomize puts them; with `images`, as an
 * overlay of it that has those `images:` entries renders them.
 */
export function renderKustomization(dir: string, images: ImageOverride[] = []): KubeObject[] {
  if (images.length === 0) return render(dir);
  const overlay = mkdtempSync(join(tmpdir(), "mcpgov-backup-images-"));
  try {
    // kustomize takes a base by a relative path only ("new root cannot be absolute").
    const resources = [relative(overlay, resolve(dir))];
    // fifo: the objects stay in the order the kustomization itself puts them.
    const sortOptions = { order: "fifo" };
    writeFileSync(
      join(overlay, "kustomization.yaml"),
      stringify({ sortOptions, resources, images }),
    );
    return render(overlay, dir);
  } finally {
    rmSync(overlay, { recursive: true, force: true });
  }
}

/** `dir` rendered; errors name `shown`, the kustomization the user gave. */
function render(dir: string, shown = dir): KubeObject[] {
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
    throw new UserError(`kubectl kustomize ${shown} failed: ${said}`);
  }
  // kustomize writes YAML 1.2 (defaultMode: 288, never 0440): the default schema reads it.
  return parseAllDocuments(rendered)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);
}
