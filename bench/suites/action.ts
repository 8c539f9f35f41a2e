// The Action as GitHub runs it: node on the bundle (dist/index.js) with INPUT_* variables.
// Cold start: a run that stops at its first input check (no operations given), which
// loads the whole bundle and exits. Then deploy → verify → backup → validate against the
// local cluster runner (real PostgreSQL and pgBackRest in pods of their own; the database
// is the one the manifests deploy). What each run did is read from the Action's result
// file, not from its log.
import { runActionBundle } from "../../scripts/run-action.ts";
import type { Lab } from "../support/lab.ts";
import { round, type Summary, summarize } from "../support/stats.ts";

export interface ActionResult {
  coldStartSeconds: Summary;
  operations: string;
  ok: boolean;
  wallSeconds: number;
  /** The Action's own duration-seconds output: its operations without starting the runner. */
  operationsSeconds: number;
  steps: { name: string; seconds: number }[];
}

export async function action(lab: Lab): Promise<ActionResult> {
  const work = lab.dir("action");
  const cold = await lab.step(
    "Action bundle cold start (10 runs that stop at the input check)",
    async () => {
      const runs: number[] = [];
      for (let i = 0; i < 10; i++) {
        const run = await runActionBundle(work, {});
        if (!run.result?.error?.startsWith("input operations"))
          throw new Error(`unexpected: ${run.log}`);
        runs.push(round(run.seconds));
      }
      return runs;
    },
  );
  const operations = "deploy verify backup validate";
  const run = await lab.step(`Action: ${operations} on the local cluster runner`, () =>
    runActionBundle(work, { operations, cluster: "local", "timeout-minutes": "10" }),
  );
  const steps = run.result?.results ?? [];
  const duration = run.result?.outputs["duration-seconds"];
  if (run.code !== 0) lab.log(`  the Action failed:\n${run.log.slice(-2000)}`);
  lab.removeDir(work);
  return {
    coldStartSeconds: summarize(cold),
    operations,
    ok: run.code === 0,
    wallSeconds: round(run.seconds),
    operationsSeconds: Number(duration ?? Number.NaN),
    steps: steps.map((step) => ({ name: step.name, seconds: round(step.seconds) })),
  };
}
