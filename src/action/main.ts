// Entry point of the GitHub Action (action.yml): reads the inputs, opens the cluster
// (Kubernetes from a kubeconfig, or the local cluster runner), runs the operations,
// writes outputs and the job summary, and fails the step when an operation failed; with
// MCPGOV_BACKUP_RESULT_FILE set, writes the typed results there too (result-file.ts).
import * as core from "@actions/core";
import { type OpenedCluster, openKubeCluster } from "../core/kube/open.ts";
import {
  COMMIT_ANNOTATION,
  REQUESTED_BY_ANNOTATION,
  RUN_URL_ANNOTATION,
} from "../core/names/labels.ts";
import { failureOf } from "./failure.ts";
import { type Inputs, readInputs } from "./inputs.ts";
import { actionLog } from "./log.ts";
import { objectsFor } from "./manifests.ts";
import { RESULT_FILE_VARIABLE, writeResultFile } from "./result-file.ts";
import { type ActionRun, runOperations } from "./run.ts";
import { actionSettings, settingsLine } from "./settings.ts";
import { renderSummary } from "./summary.ts";

/** Computes once, when first asked. */
function once<T>(make: () => T): () => T {
  let value: { made: T } | undefined;
  return () => {
    value ??= { made: make() };
    return value.made;
  };
}

function annotations(): Record<string, string> {
  const env = process.env;
  const run = env.GITHUB_RUN_ID
    ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    : "";
  return Object.fromEntries(
    Object.entries({
      [RUN_URL_ANNOTATION]: run,
      [REQUESTED_BY_ANNOTATION]: env.GITHUB_ACTOR ?? "",
      [COMMIT_ANNOTATION]: env.GITHUB_SHA ?? "",
    }).filter(([, v]) => v),
  );
}

/** The cluster the inputs name; the local runner's chunks are loaded only for `cluster: local`. */
async function openCluster(inputs: Inputs, log: (line: string) => void): Promise<OpenedCluster> {
  if (inputs.cluster !== "local") return openKubeCluster(inputs.kubeconfig);
  const { openLocalCluster } = await import("../local/runner/open.ts");
  return openLocalCluster(log);
}

async function main(): Promise<ActionRun> {
  const inputs = readInputs();
  const log = actionLog((line) => core.info(line));
  // Made once per run: every deploy applies the same per-cluster secrets.
  const objects = once(() => objectsFor(inputs));
  // Before the cluster is opened: an input the manifests contradict is refused untouched.
  const settings = await actionSettings(inputs, objects);
  log(settingsLine(inputs, settings));
  const { cluster, close } = await openCluster(inputs, log);
  try {
    const run = await runOperations(cluster, inputs, settings, objects, annotations(), log);
    for (const [name, value] of Object.entries(run.outputs)) core.setOutput(name, value);
    await core.summary.addRaw(renderSummary(run.results)).write();
    if (!run.ok) core.setFailed(run.results.find((r) => !r.ok)?.detail ?? "an operation failed");
    return run;
  } finally {
    await close();
  }
}

const resultFile = process.env[RESULT_FILE_VARIABLE];
main().then(
  (run) => {
    if (resultFile) writeResultFile(resultFile, run);
  },
  (error: unknown) => {
    const { detail } = failureOf(error, "mcpgov-backup");
    core.setFailed(detail);
    if (resultFile)
      writeResultFile(resultFile, { results: [], outputs: {}, ok: false, error: detail });
  },
);
