// The Action as a GitHub runner starts it: node on the bundle (dist/index.js), inputs as
// INPUT_* variables, outputs and the job summary through the GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../src/core/paths.ts";

export interface ActionRun {
  code: number | null;
  /** Standard output and error, interleaved as they came. */
  log: string;
  /** GITHUB_OUTPUT's name<<delimiter blocks, by name. */
  outputs: Record<string, string>;
  summary: string;
  seconds: number;
}

/** Runs the bundle in `work` with `inputs` and more environment (GITHUB_* context) from `env`. */
export function runActionBundle(
  work: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<ActionRun> {
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const outputFile = join(work, `output-${stamp}`);
  const summaryFile = join(work, `summary-${stamp}`);
  writeFileSync(outputFile, "");
  writeFileSync(summaryFile, "");
  const all: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: work,
    ...env,
  };
  for (const [name, value] of Object.entries(inputs)) all[`INPUT_${name.toUpperCase()}`] = value;
  const started = performance.now();
  // Node 24 (the devDependency), as the runner's node24.
  const child = spawn(projectPath("node_modules/.bin/node"), [projectPath("dist/index.js")], {
    env: all,
    cwd: work,
  });
  let log = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  return new Promise((resolve) =>
    child.on("close", (code) => {
      const outputs: Record<string, string> = {};
      for (const m of readFileSync(outputFile, "utf8").matchAll(
        /^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm,
      ))
        outputs[m[1] as string] = m[3] as string;
      resolve({
        code,
        log,
        outputs,
        summary: readFileSync(summaryFile, "utf8"),
        seconds: (performance.now() - started) / 1000,
      });
    }),
  );
}
