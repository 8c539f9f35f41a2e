// Nothing is left behind by a run that goes wrong: an end-to-end test file that fails
// half way (with a server running and a volume mounted), and `npm run bench` interrupted
// in the middle of a step by Ctrl-C as a terminal and npm deliver it (to the whole
// process group, then once more to the process).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.ts";
import { mountsUnder } from "../../src/local/host.ts";

const node = projectPath("node_modules", ".bin", "node");
const scratch = mkdtempSync(join(tmpdir(), "leftovers-test-"));

/** The bench's process group, stopped for good if the test ends before the bench does. */
let benchGroup: number | undefined;

afterAll(() => {
  try {
    if (benchGroup) process.kill(-benchGroup, "SIGKILL");
  } catch {
    // already gone, as it should be
  }
  rmSync(scratch, { recursive: true, force: true });
});

/** The product's entries in the temporary directory. */
const productDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith("mcpgov-backup-"));

/** Processes whose command line names one of these paths (a server's data directory, say). */
function processesNaming(paths: string[]): string[] {
  const all = spawnSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" }).stdout.split("\n");
  return all.filter((line) => paths.some((path) => line.includes(path)));
}

describe("a test file that fails half way", () => {
  it("leaves no server, mount, staged file or directory of its own", async () => {
    const said = join(scratch, "made.json");
    const report = join(scratch, "fixture-report.json");
    // The suite's own configuration (its setup files), pointed at the fixture alone.
    const run = `import { startVitest } from "vitest/node";
      const vitest = await startVitest("test", [], {
        include: ["test/fixtures/e2e/fails-half-way.fixture.ts"],
        watch: false,
        reporters: ["json"],
        outputFile: { json: ${JSON.stringify(report)} },
      });
      await vitest.close();
      process.exit(process.exitCode ?? 0);`;
    const result = spawnSync(node, ["--input-type=module", "-e", run], {
      cwd: projectPath(),
      encoding: "utf8",
      env: { ...process.env, LEFTOVERS_FILE: said },
    });
    const counts = JSON.parse(readFileSync(report, "utf8"));
    expect([counts.numPassedTests, counts.numFailedTests]).toEqual([0, 1]);
    expect(result.status).toBe(1);

    const made = JSON.parse(readFileSync(said, "utf8")) as { dir: string; script: string };
    expect(existsSync(made.dir)).toBe(false);
    expect(mountsUnder(made.dir)).toEqual([]);
    expect(processesNaming([made.dir])).toEqual([]);
    expect(existsSync(made.script)).toBe(false);
  }, 180_000);
});

describe("npm run bench, interrupted during a step", () => {
  it("stops the step's server, removes every directory, writes no report and exits 130", async () => {
    const before = new Set(productDirs());
    const out = join(scratch, "bench-out");
    const args = ["bench/main.ts", "--size-gb", "0.01", "--only", "backup", "--warm-cache"];
    // Its own process group, as a shell gives a foreground job.
    const bench = spawn(node, [...args, "--out", out], { cwd: projectPath(), detached: true });
    benchGroup = bench.pid;
    let output = "";
    const exited = new Promise<number | null>((resolve) => bench.on("close", resolve));
    bench.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    let signalled = 0;
    bench.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const pid = bench.pid as number;
      if (signalled === 0 && output.includes("▶ full backup")) {
        signalled = 1;
        process.kill(-pid, "SIGINT"); // the terminal: every process of the group
      } else if (signalled === 1 && output.includes("SIGINT: stopping")) {
        signalled = 2;
        process.kill(pid, "SIGINT"); // npm passing it on
      }
    });
    const code = await exited;
    expect(output).toContain("SIGINT: still cleaning up");
    expect(output).toContain("interrupted: everything removed");
    expect(code).toBe(130);
    const left = productDirs().filter((name) => !before.has(name));
    expect(left).toEqual([]);
    expect(processesNaming(["mcpgov-backup-host-", "mcpgov-backup-bench-"])).toEqual([]);
    expect(existsSync(join(out, "benchmarks.json"))).toBe(false);
  }, 180_000);
});
