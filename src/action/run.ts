// The Action's work: each operation in order, timed; a failed step stops the sequence. What
// changes the database holds the lock (core/lock.ts) while it runs, as the bot's commands
// do, so that a restore confirmed meanwhile is refused rather than run beside it.
import { randomUUID } from "node:crypto";
import type { Cluster, KubeObject } from "../core/cluster.ts";
import { reapExpiredDrills } from "../core/drill-objects.ts";
import { whileLocked } from "../core/lock.ts";
import { REQUESTED_BY_ANNOTATION } from "../core/names/labels.ts";
import type { Settings } from "../core/settings.ts";
import { failureOf } from "./failure.ts";
import type { Inputs, Operation } from "./inputs.ts";
import { backupStep } from "./steps/backup.ts";
import { cloneStep, dropCloneStep } from "./steps/clone.ts";
import { deployStep } from "./steps/deploy.ts";
import { drillStep } from "./steps/drill.ts";
import { markStep } from "./steps/mark.ts";
import { statusStep } from "./steps/status.ts";
import type { AnyStepResult, Outputs, Step, StepContext, StepOutcome } from "./steps/step.ts";
import { validateStep } from "./steps/validate.ts";
import { verifyStep } from "./steps/verify.ts";

/**
 * The operations that change production or run its Jobs: deploy, backup, validate, mark, and
 * clone (a restore Job from the repository). Status, verify and drop-clone only read or
 * remove a clone's own objects.
 */
const LOCKED: ReadonlySet<Operation> = new Set(["deploy", "backup", "validate", "mark", "clone"]);

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
  /** How often a held lock is renewed (core's default; shorter in tests). */
  lockRenewMs?: number,
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
    drill: async (context) => drillStep(await objects())(context),
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
  // A drill killed with its job leaves objects past their deadline: any run that names the
  // drill namespace removes them (a drill does so itself, as its first phase).
  if (inputs.drillNamespace && !inputs.operations.includes("drill"))
    await reapExpiredDrills(cluster, inputs.drillNamespace).then(
      (removed) =>
        removed.length > 0 && log(`removed what an expired drill left: ${removed.join(", ")}`),
      (error: Error) =>
        log(`could not look for expired drills in ${inputs.drillNamespace}: ${error.message}`),
    );
  for (const name of inputs.operations) {
    const started = performance.now();
    log(`▶ ${name}`);
    let outcome: StepOutcome;
    try {
      outcome = await runStep(name, context, steps[name], lockRenewMs);
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

/** One step, holding the lock when it changes the database: its holder is this step. */
function runStep<K extends Operation>(
  name: K,
  context: StepContext,
  step: Step<K>,
  lockRenewMs: number | undefined,
): Promise<StepOutcome<K>> {
  if (!LOCKED.has(name)) return step(context);
  const operation = `action-${name}-${randomUUID().slice(0, 8)}`;
  const holder = {
    operation,
    command: `action ${name}`,
    requester: context.annotations[REQUESTED_BY_ANNOTATION] || "github-actions",
    // Each ends or fails on its own: nothing is left half-done for a person.
    ifInterrupted: "release" as const,
  };
  const settings = { ...context.settings, lockHolder: operation };
  return whileLocked(
    context.cluster,
    settings.namespace,
    holder,
    () => step({ ...context, settings }),
    lockRenewMs,
  );
}
