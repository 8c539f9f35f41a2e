// Entry point of the GitHub Action (action.yml): reads the inputs, opens the cluster
// (Kubernetes from a kubeconfig, or the local cluster runner), runs the operations,
// writes outputs and the job summary, and fails the step when an operation failed.
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as core from "@actions/core";
import type { KubeObject } from "../core/cluster.ts";
import { loadManifestFile } from "../core/manifests/load.ts";
import { APPLY_ORDER, USER_PROVIDED_FILES } from "../core/manifests/order.ts";
import { containersOf, podSpecOf } from "../core/manifests/pod.ts";
import { openCluster } from "../core/open-cluster.ts";
import { projectPath } from "../core/paths.ts";
import { redact } from "../core/redact.ts";
import { InputError, type Inputs, readInputs } from "./inputs.ts";
import { runOperations } from "./run.ts";
import { renderSummary } from "./summary.ts";

/** The manifests to deploy to Kubernetes; the per-cluster secrets must already be there. */
function kubernetesObjects(dir: string): KubeObject[] {
  return APPLY_ORDER.filter((file) => !(file in USER_PROVIDED_FILES)).flatMap((file) => {
    const path = join(dir, file);
    if (!existsSync(path)) throw new InputError(`input manifests: ${path} is missing`);
    return loadManifestFile(path).map((d) => d.object as KubeObject);
  });
}

/** Every container of every pod template runs `image` instead of the manifests' one. */
function withImage(objects: KubeObject[], image: string): KubeObject[] {
  if (!image) return objects;
  return objects.map((object) => {
    const copy = structuredClone(object);
    const spec = podSpecOf(copy);
    for (const container of spec ? containersOf(spec) : []) container.image = image;
    return copy;
  });
}

/** Computes once, when first asked. */
function once<T>(make: () => T): () => T {
  let value: { made: T } | undefined;
  return () => {
    value ??= { made: make() };
    return value.made;
  };
}

/** The manifests to deploy: the local runner makes the per-cluster files itself. */
async function objectsFor(inputs: Inputs): Promise<KubeObject[]> {
  if (inputs.cluster !== "local")
    return kubernetesObjects(inputs.manifests || projectPath("manifests"));
  const { manifestObjects } = await import("../local/deploy.ts");
  return manifestObjects(inputs.manifests || undefined);
}

function annotations(): Record<string, string> {
  const env = process.env;
  const run = env.GITHUB_RUN_ID
    ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    : "";
  return Object.fromEntries(
    Object.entries({
      "mcpgov-backup/run-url": run,
      "mcpgov-backup/actor": env.GITHUB_ACTOR ?? "",
      "mcpgov-backup/commit": env.GITHUB_SHA ?? "",
    }).filter(([, v]) => v),
  );
}

async function main(): Promise<void> {
  const inputs = readInputs();
  const log = (line: string) => core.info(line);
  const { cluster, close } = await openCluster(inputs.cluster, {
    kubeconfig: inputs.kubeconfig,
    log,
  });
  try {
    // Made once per run: every deploy applies the same per-cluster secrets.
    const objects = once(async () => withImage(await objectsFor(inputs), inputs.image));
    const run = await runOperations(cluster, inputs, objects, annotations(), log);
    for (const [name, value] of Object.entries(run.outputs)) core.setOutput(name, value);
    await core.summary.addRaw(renderSummary(run.results, run.outputs)).write();
    if (!run.ok) core.setFailed(run.results.find((r) => !r.ok)?.detail ?? "an operation failed");
  } finally {
    await close();
  }
}

main().catch((error: Error) => {
  core.setFailed(
    error instanceof InputError ? error.message : `mcpgov-backup: ${redact(error.message)}`,
  );
});
