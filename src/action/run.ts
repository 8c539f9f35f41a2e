// The Action's work: each operation in order, timed; a failed step stops the sequence.
import type { Cluster, KubeObject } from "../core/cluster.ts";
import type { Settings } from "../core/settings.ts";
import { failureOf } from "./failure.ts";
import type { Inputs, Operation } from "./inputs.ts";
import { backupStep } from "./steps/backup.ts";
import { cloneStep, dropCloneStep } from "./steps/clone.ts";
import { deployStep } from "./steps/deploy.ts";
import { markStep } from "./steps/mark.ts";
import { statusStep } from "./steps/status.ts";
import type { AnyStepResult, Outputs, Step, StepContext, StepOutcome } from "./steps/step.ts";
import { validateStep } from "./steps/validate.ts";
import { verifyStep } from "./steps/verify.ts";

export interface ActionRun {
  results: AnyStepResult[];
  outputs: Outputs;
  ok: boolean;
}

export async function runOperations(
  cluster: Cluster,
  inputs: Inputs,
  /** Where: the manifests' namespace and stanza (settings.ts). */
  settings: Settings,
  objects: () => Promise<KubeObject[]>,
  annotations: Record<string, string>,
  log: (line: string) => void,
): Promise<ActionRun> {
  const steps: { [K in Operation]: Step<K> } = {
    deploy: async (context) => deployStep(await objects())(context),
    verify: async (context) => verifyStep(await objects())(context),
    backup: backupStep,
    validate: validateStep,
    status: statusStep,
    mark: markStep,
    clone: cloneStep,
    "drop-clone": dropCloneStep,
  };
  const context: StepContext = {
    cluster,
    inputs,
    settings,
    annotations,
    log: (line) => log(`  ${line}`),
  };
  const results: AnyStepResult[] = [];
  const outputs: Outputs = {};
  for (const name of inputs.operations) {
    const started = performance.now();
    log(`▶ ${name}`);
    let outcome: StepOutcome;
    try {
      outcome = await steps[name](context);
    } catch (error) {
      outcome = failureOf(error, name);
    }
    const seconds = (performance.now() - started) / 1000;
    // The step of this name gave this outcome: its data is that operation's.
    results.push({ name, seconds, ...outcome } as AnyStepResult);
    Object.assign(outputs, outcome.outputs);
    log(`  ${outcome.ok ? "ok" : "FAILED"} in ${seconds.toFixed(1)}s: ${outcome.detail}`);
    if (outcome.diagnostics) log(outcome.diagnostics.replace(/^/gm, "    "));
    if (!outcome.ok) break;
  }
  outputs["duration-seconds"] = results.reduce((sum, r) => sum + r.seconds, 0).toFixed(1);
  return {
    results,
    outputs,
    ok: results.every((r) => r.ok) && results.length === inputs.operations.length,
  };
}
