// Every shell script in the repository, and every script embedded in a manifest, passes
// shellcheck; embedded scripts are their repository files byte for byte.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EMBEDDED_FILES, readEmbedded } from "../../scripts/embed-configmap.ts";

const root = new URL("../..", import.meta.url).pathname;
// Every shell script the repository tracks, wherever it lives, and the CI entry point.
const scripts = [
  ...execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.sh"], {
    cwd: root,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .filter((f) => !f.startsWith("test/fixtures/")),
  ".ci/run",
];

function shellcheck(path: string): string {
  try {
    execFileSync("shellcheck", ["--format=gcc", path], { cwd: root, encoding: "utf8" });
    return "";
  } catch (error) {
    return (error as { stdout?: string }).stdout || String(error);
  }
}

describe("shell scripts", () => {
  it.each(scripts)("%s passes shellcheck", (script) => {
    expect(shellcheck(script)).toBe("");
  });

  it("shellcheck reports a real problem (the check can fail)", () => {
    expect(shellcheck("test/fixtures/scripts/unquoted.sh")).toMatch(/SC2086/);
  });

  it.each(EMBEDDED_FILES)("$manifest data.$key is $source byte for byte", (file) => {
    expect(readEmbedded(file, root)).toBe(readFileSync(`${root}/${file.source}`, "utf8"));
  });
});
