// Every shell script in the repository, and every script embedded in a manifest, passes
// shellcheck; embedded scripts are their repository files byte for byte.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EMBEDDED_FILES, readEmbedded } from "../../scripts/embed-configmap.ts";

const root = new URL("../..", import.meta.url).pathname;
const scripts = [
  ...readdirSync(`${root}/scripts`)
    .filter((f) => f.endsWith(".sh"))
    .map((f) => `scripts/${f}`),
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
