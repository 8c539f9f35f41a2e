// Shell pipelines the bench runs as root (reading PGDATA, compressing it), timed by callers.
import { execFile } from "node:child_process";

/** Runs a bash script (pipefail off: a pipeline's last command decides) and returns stdout. */
export function bash(script: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      ["-c", script],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${script}: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
