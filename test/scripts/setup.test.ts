// scripts/setup.sh, which both README commands run first, is idempotent: once the
// machine has everything, a second run installs nothing and succeeds.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;

describe("setup.sh", () => {
  it("installs nothing on a machine that already has everything", () => {
    const result = spawnSync("bash", ["scripts/setup.sh"], { cwd: root, encoding: "utf8" });
    expect(result.stderr).not.toContain("installing");
    expect(result.status).toBe(0);
  }, 60_000);
});
