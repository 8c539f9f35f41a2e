// Entry point of the GitHub Action (action.yml): reads the inputs, masks what it knows to be
// secret, opens the cluster (Kubernetes from a kubeconfig whose credential is checked first,
// or the local cluster runner), runs the operations, reports to the ops issue
// (report/report.ts), writes outputs and the job summary, and fails the step when an
// operation failed; with MCPGOV_BACKUP_RESULT_FILE set, writes the typed results there too
// (result-file.ts).
import * as core from "@actions/core";
import type { OpenedCluster } from "../core/kube/open.ts";
import {
  COMMIT_ANNOTATION,
  REQUESTED_BY_ANNOTATION,
  RUN_URL_ANNOTATION,
} from "../core/names/labels.ts";
import { CredentialExpiredError, openCheckedKubeCluster, secretValues } from "./credentials.ts";
import { failureOf } from "./failure.ts";
import { type Inputs, readInputs } from "./inputs.ts";
import { actionLog } from "./log.ts";
import { objectsFor } from "./manifests.ts";
import { reportToIssue } from "./report/report.ts";
import { readStanding, type Standing } from "./report/standing.ts";
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

function runUrl(): string {
  const env = process.env;
  return env.GITHUB_RUN_ID
    ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    : "";
}

function annotations(): Record<string, string> {
  const env = process.env;
  return Object.fromEntries(
    Object.entries({
      [RUN_URL_ANNOTATION]: runUrl(),
      [REQUESTED_BY_ANNOTATION]: env.GITHUB_ACTOR ?? "",
      [COMMIT_ANNOTATION]: env.GITHUB_SHA ?? "",
    }).filter(([, v]) => v),
  );
}

/** What the run knows to be secret: masked in the log as it learns it, kept out of the issue. */
const secrets: string[] = [];
function mask(value: string): void {
  if (!value || secrets.includes(value)) return;
  core.setSecret(value);
  secrets.push(value);
}

/**
 * The cluster the inputs name; the local runner's chunks are loaded only for `cluster:
 * local`. A kubeconfig's credential is looked at before any call (credentials.ts).
 */
async function openCluster(
  inputs: Inputs,
  log: (line: string) => void,
  warnings: string[],
): Promise<OpenedCluster> {
  if (inputs.cluster !== "local") {
    const checked = openCheckedKubeCluster(
      inputs.kubeconfig,
      inputs.runIntervalMs,
      Date.now(),
      mask,
    );
    warnings.push(...checked.warnings);
    return checked.opened;
  }
  const { openLocalCluster } = await import("../local/runner/open.ts");
  return openLocalCluster(log);
}

function unknown(why: string): Standing {
  const text = `unknown (${why})`;
  return { recoveryWindow: text, lastBackup: text, lastValidation: text };
}

async function main(): Promise<ActionRun> {
  const inputs = readInputs();
  mask(inputs.githubToken);
  const log = actionLog((line) => core.info(line));
  // Made once per run: every deploy applies the same per-cluster secrets, masked.
  const objects = once(async () => {
    const made = await objectsFor(inputs);
    for (const value of secretValues(made)) mask(value);
    return made;
  });
  // Before the cluster is opened: an input the manifests contradict is refused untouched.
  const settings = await actionSettings(inputs, objects);
  log(settingsLine(inputs, settings));
  const warnings: string[] = [];
  let opened: OpenedCluster | undefined;
  try {
    let run: ActionRun;
    try {
      opened = await openCluster(inputs, log, warnings);
      run = await runOperations(opened.cluster, inputs, settings, objects, annotations(), log);
    } catch (error) {
      // An expired credential is a failure the ops issue hears of, like an operation's.
      if (!(error instanceof CredentialExpiredError)) throw error;
      const name = inputs.operations[0] ?? "status";
      run = { results: [{ name, seconds: 0, ...failureOf(error, name) }], outputs: {}, ok: false };
    }
    for (const warning of warnings) core.warning(warning);
    for (const [name, value] of Object.entries(run.outputs)) core.setOutput(name, value);
    const cluster = opened?.cluster;
    const reported = await reportToIssue(
      {
        inputs,
        settings,
        results: run.results,
        runUrl: runUrl(),
        warnings,
        standing: () =>
          cluster
            ? readStanding(cluster, settings)
            : Promise.resolve(unknown("the cluster was not asked: its credential expired")),
        secrets,
      },
      { info: (line) => core.info(line), notice: core.notice, warning: core.warning },
    );
    await core.summary
      .addRaw(renderSummary(run.results, [...warnings.map((w) => `⚠️ ${w}`), ...reported]))
      .write();
    if (!run.ok) core.setFailed(run.results.find((r) => !r.ok)?.detail ?? "an operation failed");
    return run;
  } finally {
    await opened?.close();
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
