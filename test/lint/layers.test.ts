// The layer rules `npm run lint` runs (.dependency-cruiser.cjs) hold the tree, and they
// refuse what they exist to refuse: a fixture breaking each rule once is rejected rule by
// rule, so a rule switched off or mistyped fails here.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const depcruise = `${root}node_modules/dependency-cruiser/bin/dependency-cruiser.mjs`;

function cruise(cwd: string, args: string[]): { code: number | null; output: string } {
  const result = spawnSync(
    process.execPath,
    [depcruise, "src", "bench", "--config", `${root}.dependency-cruiser.cjs`, ...args],
    { cwd, encoding: "utf8" },
  );
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("layer rules", () => {
  it("find no wrong-way import in src and bench", () => {
    const { code, output } = cruise(root, []);
    expect(output).toContain("no dependency violations found");
    expect(code).toBe(0);
  }, 60_000);

  it("refuse a type-only cycle, an arrow up from core, a face reaching the runner outside main.ts, and the bench importing test/", () => {
    const { code, output } = cruise(`${root}test/fixtures/layers`, []);
    expect(code).not.toBe(0);
    expect(output).toMatch(/no-cycle: src\/core\/(settings|database)\.ts/);
    expect(output).toContain(
      "core-imports-only-core: src/core/open.ts → src/local/runner/cluster.ts",
    );
    expect(output).toContain(
      "faces-reach-local-only-from-main: src/action/steps.ts → src/local/runner/cluster.ts",
    );
    expect(output).not.toContain("src/action/main.ts →");
    expect(output).toContain("no-test-imports: bench/suite.ts → test/fake.ts");
  }, 60_000);
});
