// The demo's command line: --help explains it without running anything, and an
// interrupted demo still removes what it made.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
// The npm scripts' Node.js (the node@24 dev dependency), which runs .ts files directly.
const node = `${root}node_modules/.bin/node`;

describe("npm run demo", () => {
  it("--help says what it does and what it needs, and exits 0", () => {
    const result = spawnSync(node, ["src/local/demo.ts", "--help"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(result.stdout).toContain("usage: npm run demo");
    expect(result.stdout).toContain("Needs root");
    expect(result.status).toBe(0);
  });

  it("an unknown option is refused with the reason", () => {
    const result = spawnSync(node, ["src/local/demo.ts", "--kep"], { cwd: root, encoding: "utf8" });
    expect(result.stderr).toContain("--kep");
    expect(result.status).toBe(1);
  });
});

describe("an interrupted demo", () => {
  it("stops at the next step, stops PostgreSQL and removes its directories", async () => {
    const hostDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith("mcpgov-backup-host-"));
    const before = hostDirs();
    const demo = spawn(node, ["src/local/demo.ts"], { cwd: root });
    let output = "";
    demo.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      if (chunk.includes("▶ full backup")) demo.kill("SIGTERM");
    });
    demo.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    const code = await new Promise<number | null>((resolve) => demo.on("close", resolve));
    expect(output).toContain("SIGTERM: stopping after the current step and cleaning up");
    expect(output).toContain("demo failed: interrupted by SIGTERM");
    expect(output).not.toContain("▶ write 500 more rows");
    expect(code).toBe(1);
    expect(hostDirs()).toEqual(before);
    const postgres = spawnSync("pgrep", ["-f", "mcpgov-backup-host-"], { encoding: "utf8" });
    expect(postgres.stdout).toBe("");
  }, 120_000);
});
