// npm run check-dist, as the check-dist workflow runs it: it passes on the committed dist/
// and fails, naming the file, on a dist/ that is not what the sources build.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.ts";

const node = projectPath("node_modules/.bin/node");
const scratch = mkdtempSync(join(tmpdir(), "mcpgov-backup-dist-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const check = (...args: string[]) =>
  spawnSync(node, [projectPath("scripts/build.ts"), "--check", ...args], { encoding: "utf8" });

describe("npm run check-dist", () => {
  it("passes on the committed dist/", () => {
    const result = check();
    expect(result.stdout).toMatch(
      /index\.js: \d+ KiB loaded at start, \d+ packages \(licenses\.txt\); \d+ KiB in \d+ chunks read only by cluster: local/,
    );
    expect(result.stdout).toContain("is what the sources build");
    expect(result.status).toBe(0);
  }, 120_000);

  it("fails on a dist/ whose notices are stale, naming the file", () => {
    const stale = join(scratch, "dist");
    cpSync(projectPath("dist"), stale, { recursive: true });
    writeFileSync(join(stale, "licenses.txt"), "Third-party software: none\n");
    const result = check("--dist", stale);
    expect(result.stderr).toContain(
      `${join(stale, "licenses.txt")} is not what the sources build: run npm run build and commit dist/`,
    );
    expect(result.status).toBe(1);
  }, 120_000);

  it("fails on a dist/ with a chunk the sources no longer build, naming it", () => {
    const extra = join(scratch, "dist-extra");
    cpSync(projectPath("dist"), extra, { recursive: true });
    writeFileSync(join(extra, "chunks", "local-cluster-OLD.js"), "export {};\n");
    const result = check("--dist", extra);
    expect(result.stderr).toContain(
      `${join(extra, "chunks", "local-cluster-OLD.js")} is not what the sources build`,
    );
    expect(result.status).toBe(1);
  }, 120_000);
});
