// The repository's own code passes the type checker and the linter: part of the suite so
// that `npm test` alone says whether a change is ready.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;

function run(command: string, args: string[]): string {
  try {
    execFileSync(command, args, { cwd: root, encoding: "utf8", stdio: "pipe" });
    return "";
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    return `${stdout}${stderr}` || String(error);
  }
}

describe("static checks", () => {
  it("tsc finds no type errors", () => {
    expect(run("node_modules/.bin/tsc", ["-p", "."])).toBe("");
  }, 120_000);

  it("biome finds no lint or format problems", () => {
    expect(run("node_modules/.bin/biome", ["check", "--error-on-warnings", "."])).toBe("");
  }, 60_000);
});
