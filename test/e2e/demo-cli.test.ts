// The demo's command line: --help explains it without running anything.
import { spawnSync } from "node:child_process";
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
