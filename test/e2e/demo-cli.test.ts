// `npm run demo` (README command 1): --help explains it without running anything, a run
// tells the whole story and passes, and an interrupted run leaves nothing behind.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
// The npm scripts' Node.js (the node@24 dev dependency), which runs .ts files directly.
const node = `${root}node_modules/.bin/node`;

/** What a local cluster leaves on the machine: namespaces, state directories, processes. */
function leftovers(): string[] {
  const netns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.startsWith("mcpgov-"));
  const dirs = readdirSync(tmpdir()).filter((d) => d.startsWith("mcpgov-cluster-"));
  const processes = spawnSync("pgrep", ["-f", "mcpgov-cluster-"], {
    encoding: "utf8",
  }).stdout.trim();
  return [...netns, ...dirs, ...(processes ? [`processes ${processes}`] : [])];
}

function demo(
  onOutput?: (chunk: string, kill: () => void) => void,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(node, ["src/local/demo/main.ts"], { cwd: root });
  let output = "";
  const collect = (chunk: string) => {
    output += chunk;
    onOutput?.(chunk, () => child.kill("SIGTERM"));
  };
  child.stdout.setEncoding("utf8").on("data", collect);
  child.stderr.setEncoding("utf8").on("data", collect);
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}

describe("npm run demo", () => {
  it("--help says what it does and what it needs, and exits 0", () => {
    const result = spawnSync(node, ["src/local/demo/main.ts", "--help"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(result.stdout).toContain("usage: npm run demo");
    expect(result.stdout).toContain("Needs root");
    expect(result.status).toBe(0);
  });

  it("an unknown option is refused with the reason", () => {
    const result = spawnSync(node, ["src/local/demo/main.ts", "--kep"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(result.stderr).toContain("--kep");
    expect(result.status).toBe(1);
  });

  it("tells the story: backups, a passing validation, a dropped table brought back without losing a write", async () => {
    const { code, output } = await demo();
    expect(output).toMatch(/\d+ objects valid/);
    expect(output).toContain("restore-validation: PASSED");
    expect(output).toMatch(
      /Table back from mark before-cleanup \(.+Z\): governance_policies had 20000 rows, was dropped, and came back with 20000 \(copied as public\.governance_policies_restored_\d{8}t\d{6}, then put in its place\)/,
    );
    expect(output).toContain(
      "Production was never stopped or rewound: 1001 of the 1001 writes made after the mark are there",
    );
    expect(output).toMatch(/full 2\d{7}-\d{6}F /);
    expect(output).toMatch(/diff 2\d{7}-\d{6}F_2\d{7}-\d{6}D /);
    expect(output).toContain("Recovery window: from ");
    expect(output).toContain("PASS: the backups restore");
    expect(code).toBe(0);
    expect(leftovers()).toEqual([]);
  }, 600_000);

  it("stops when interrupted and removes every namespace, directory and process it made", async () => {
    const { code, output } = await demo((chunk, kill) => {
      if (chunk.includes("▶ full backup")) kill();
    });
    expect(output).toContain("SIGTERM: stopping after the current step and cleaning up");
    expect(output).toContain("demo failed: interrupted by SIGTERM");
    expect(output).not.toContain("▶ more writes");
    expect(code).toBe(143); // 128 + SIGTERM, as a shell reports a job stopped by it
    expect(leftovers()).toEqual([]);
  }, 300_000);
});
