// Running a command on this machine for the runner (inside a pod's namespaces or not) and
// collecting what it says, with a deadline.
import { spawn } from "node:child_process";
import type { ExecResult } from "../../core/cluster.ts";

export type OutputListener = (stream: "stdout" | "stderr", chunk: string) => void;

/** Runs a command and collects its output; a timeout kills it and reports exit code 124. */
export function run(
  argv: string[],
  env: Record<string, string>,
  timeoutMs = 0,
  onOutput?: OutputListener,
): Promise<ExecResult> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(file ?? "", args, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      onOutput?.("stdout", chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      onOutput?.("stderr", chunk);
    });
    const timer = timeoutMs > 0 ? setTimeout(() => child.kill("SIGKILL"), timeoutMs) : undefined;
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? (signal === "SIGKILL" && timer ? 124 : 128), stdout, stderr });
    });
  });
}
