// The Action's operations run in this process, on a cluster the test holds (the local
// cluster runner lives in the process that starts it, so the bundle cannot share it): the
// inputs as a workflow step's `with:` gives them, read by the Action's own readInputs (the
// namespace and stanza settled against the objects as the Action settles them), and
// validate's report in a scratch RUNNER_TEMP that is removed afterwards. A failed run
// throws with the Action's log.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readInputs } from "../../src/action/inputs.ts";
import { type ActionRun, runOperations } from "../../src/action/run.ts";
import { actionSettings } from "../../src/action/settings.ts";
import type { Cluster, KubeObject } from "../../src/core/cluster.ts";
import { manifestObjects } from "../../src/core/manifests/per-cluster-secrets.ts";

export async function runActionSteps(
  cluster: Cluster,
  inputs: Record<string, string>,
  objects: KubeObject[] = [],
  /** How often a held lock is renewed: short, so that a test sees its renewals. */
  lockRenewMs?: number,
): Promise<ActionRun> {
  const runnerTemp = mkdtempSync(join(tmpdir(), "mcpgov-backup-action-steps-"));
  const before = process.env.RUNNER_TEMP;
  process.env.RUNNER_TEMP = runnerTemp;
  const log: string[] = [];
  try {
    const read = readInputs((name) => inputs[name] ?? "");
    const given = async () => objects;
    const run = await runOperations(
      cluster,
      read,
      await actionSettings(read, given),
      given,
      {},
      (line) => log.push(line),
      lockRenewMs,
    );
    if (!run.ok) throw new Error(`the Action's ${inputs.operations} failed:\n${log.join("\n")}`);
    return run;
  } finally {
    if (before === undefined) delete process.env.RUNNER_TEMP;
    else process.env.RUNNER_TEMP = before;
    rmSync(runnerTemp, { recursive: true, force: true });
  }
}

/** A database as an overlay deploys it: its namespace, stanza and kustomization directory. */
export interface Overlay {
  namespace: string;
  stanza: string;
  manifests: string;
}

/**
 * The Action's operations on one overlay's database, as its workflow step would give them
 * (the local cluster, five minutes each), with the objects that overlay renders.
 */
export function runOnOverlay(
  cluster: Cluster,
  overlay: Overlay,
  operations: string,
): Promise<ActionRun> {
  const { namespace, stanza, manifests } = overlay;
  return runActionSteps(
    cluster,
    { operations, cluster: "local", namespace, stanza, manifests, "timeout-minutes": "5" },
    manifestObjects(manifests),
  );
}
