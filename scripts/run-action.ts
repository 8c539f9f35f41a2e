// Runs the Action as a GitHub runner starts it: node on the bundle (dist/index.js), inputs
// as INPUT_* variables, outputs and the job summary through the GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files, and the typed results through MCPGOV_BACKUP_RESULT_FILE
// (src/action/result-file.ts). The Action's test and the bench start it this way; a person
// can too, to try a build before committing it.
// Run: node scripts/run-action.ts [--bundle FILE] operations="deploy status" cluster=local
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type ActionResult, RESULT_FILE_VARIABLE } from "../src/action/result-file.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface BundleRun {
  code: number | null;
  /** Standard output and error, interleaved as they came. */
  log: string;
  /** GITHUB_OUTPUT's name<<delimiter blocks, by name. */
  outputs: Record<string, string>;
  summary: string;
  /** What the Action wrote to its result file; undefined when it wrote none. */
  result: ActionResult | undefined;
  seconds: number;
}

export interface BundleOptions {
  /** More environment: the GITHUB_* context a workflow run has. */
  env?: Record<string, string>;
  /** The bundle to run (default: dist/index.js). */
  bundle?: string;
}

/** Runs the bundle in `work` (its RUNNER_TEMP and files) with `inputs`. */
export function runActionBundle(
  work: string,
  inputs: Record<string, string>,
  options: BundleOptions = {},
): Promise<BundleRun> {
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const outputFile = join(work, `output-${stamp}`);
  const summaryFile = join(work, `summary-${stamp}`);
  const resultFile = join(work, `result-${stamp}.json`);
  writeFileSync(outputFile, "");
  writeFileSync(summaryFile, "");
  const all: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: work,
    [RESULT_FILE_VARIABLE]: resultFile,
    ...options.env,
  };
  for (const [name, value] of Object.entries(inputs)) all[`INPUT_${name.toUpperCase()}`] = value;
  const started = performance.now();
  // Node 24 (the devDependency), as the runner's node24.
  const node = join(root, "node_modules/.bin/node");
  const child = spawn(node, [options.bundle ?? join(root, "dist/index.js")], {
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
        result: existsSync(resultFile)
          ? (JSON.parse(readFileSync(resultFile, "utf8")) as ActionResult)
          : undefined,
        seconds: (performance.now() - started) / 1000,
      });
    }),
  );
}

const USAGE = `usage: node scripts/run-action.ts [--bundle FILE] INPUT=VALUE...

Runs the Action's bundle (default dist/index.js; npm run build makes it) as a GitHub
runner would, with each INPUT=VALUE as an input of action.yml, and prints its log, job
summary and outputs. Example: operations="deploy backup status" cluster=local`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    options: { bundle: { type: "string" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
  if (values.help || positionals.some((pair) => !/^[\w-]+=/.test(pair))) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const inputs = Object.fromEntries(
    positionals.map((pair) => [
      pair.slice(0, pair.indexOf("=")),
      pair.slice(pair.indexOf("=") + 1),
    ]),
  );
  const work = mkdtempSync(join(tmpdir(), "mcpgov-backup-run-action-"));
  try {
    const bundle = values.bundle ? { bundle: resolve(values.bundle) } : {};
    const run = await runActionBundle(work, inputs, bundle);
    console.log(`${run.log}\n${run.summary}\noutputs: ${JSON.stringify(run.outputs, null, 2)}`);
    process.exitCode = run.code ?? 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
