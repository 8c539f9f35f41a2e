// The Action as GitHub runs it: node on the bundle (dist/index.js) with INPUT_* variables.
// Cold start: a run that stops at its first input check (no operations given), which
// loads the whole bundle and exits. Then deploy → verify → backup → validate against the
// local cluster runner (real PostgreSQL and pgBackRest in pods of their own; the database
// is the one the manifests deploy).
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../src/core/paths.ts";
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

function runBundle(
  work: string,
  inputs: Record<string, string>,
): Promise<{ code: number | null; log: string; seconds: number; outputs: string }> {
  const outputFile = join(work, `output-${Date.now()}`);
  const summaryFile = join(work, "summary.md");
  writeFileSync(outputFile, "");
  writeFileSync(summaryFile, "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: work,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const started = performance.now();
  const child = spawn(process.execPath, [projectPath("dist/index.js")], { env, cwd: work });
  let log = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  return new Promise((resolve) =>
    child.on("close", (code) =>
      resolve({
        code,
        log,
        seconds: round((performance.now() - started) / 1000),
        outputs: readFileSync(outputFile, "utf8"),
      }),
    ),
  );
}

export async function action(lab: Lab): Promise<ActionResult> {
  const work = lab.dir("action");
  const cold = await lab.step(
    "Action bundle cold start (10 runs that stop at the input check)",
    async () => {
      const runs: number[] = [];
      for (let i = 0; i < 10; i++) {
        const run = await runBundle(work, {});
        if (!run.log.includes("input operations")) throw new Error(`unexpected: ${run.log}`);
        runs.push(run.seconds);
      }
      return runs;
    },
  );
  const operations = "deploy verify backup validate";
  const run = await lab.step(`Action: ${operations} on the local cluster runner`, () =>
    runBundle(work, { operations, cluster: "local", "timeout-minutes": "10" }),
  );
  // run.ts logs "  ok in 12.3s: ..." after each operation.
  const names = [...run.log.matchAll(/^▶ (\w+)$/gm)].map((m) => m[1] as string);
  const times = [...run.log.matchAll(/^ {2}(?:ok|FAILED) in ([\d.]+)s/gm)].map((m) => Number(m[1]));
  const duration = /^duration-seconds<<(\S+)\n([\d.]+)\n/m.exec(run.outputs)?.[2];
  if (run.code !== 0) lab.log(`  the Action failed:\n${run.log.slice(-2000)}`);
  lab.removeDir(work);
  return {
    coldStartSeconds: summarize(cold),
    operations,
    ok: run.code === 0,
    wallSeconds: run.seconds,
    operationsSeconds: Number(duration ?? Number.NaN),
    steps: names.map((name, i) => ({ name, seconds: times[i] ?? Number.NaN })),
  };
}
