// scripts/release.sh in a scratch git repository, as the release workflow runs it on a tag:
// the notes are the changelog's entry for the version, v1 and v1.2 move to the release
// (and on to the next one), a remote receives the moved tags, and a tag that is not a
// release, a version package.json does not say or a missing entry are refused with
// nothing moved.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.ts";

const script = projectPath("scripts", "release.sh");
let dir: string;
let repo: string;
let remote: string;

function git(...args: string[]): string {
  const result = spawnSync("git", args, { cwd: repo, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout.trim();
}

function release(...args: string[]) {
  return spawnSync("bash", [script, ...args], { cwd: repo, encoding: "utf8" });
}

/** A commit whose package.json says `version` and whose changelog has `entries`. */
function commit(version: string, entries: string, tag?: string): string {
  writeFileSync(
    join(repo, "package.json"),
    `{\n  "name": "x",\n  "version": "${version}",\n  "private": true\n}\n`,
  );
  writeFileSync(
    join(repo, "CHANGELOG.md"),
    `# Changelog\n\nAll notable changes.\n\n## [Unreleased]\n\n${entries}\n[Unreleased]: https://example.invalid/compare\n`,
  );
  git("add", "-A");
  git("commit", "-qm", `release ${version}`);
  if (tag) git("tag", "-a", tag, "-m", tag);
  return git("rev-parse", "HEAD");
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mcpgov-backup-release-"));
  repo = join(dir, "repo");
  remote = join(dir, "remote.git");
  spawnSync("git", ["init", "-q", "--bare", remote]);
  spawnSync("git", ["init", "-q", repo]);
  git("config", "user.email", "maintainer@example.invalid");
  git("config", "user.name", "Maintainer");
  git("remote", "add", "origin", remote);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("scripts/release.sh", () => {
  it("writes the version's changelog entry as the notes and moves v1 and v1.2 to it", () => {
    const first = commit(
      "1.2.3",
      "## [1.2.3] - 2026-12-06\n\n### Added\n\n- Clones.\n\n## [1.2.2] - 2026-11-30\n\n### Fixed\n\n- Older.\n",
      "v1.2.3",
    );
    const notes = join(dir, "notes.md");
    const result = release("v1.2.3", "--notes", notes, "--push", "origin");
    expect(result.stderr).toContain("v1 now points at");
    expect(result.status).toBe(0);
    expect(readFileSync(notes, "utf8")).toBe("### Added\n\n- Clones.\n");
    expect(git("rev-parse", "v1^{commit}")).toBe(first);
    expect(git("rev-parse", "v1.2^{commit}")).toBe(first);
    const pushed = spawnSync("git", ["--git-dir", remote, "rev-parse", "v1^{commit}"], {
      encoding: "utf8",
    });
    expect(pushed.stdout.trim()).toBe(first);
  });

  it("moves them on with the next release", () => {
    const next = commit("1.3.0", "## [1.3.0] - 2026-12-20\n\n### Added\n\n- Tables.\n", "v1.3.0");
    const result = release("v1.3.0");
    expect(result.stdout).toBe("### Added\n\n- Tables.\n");
    expect(git("rev-parse", "v1^{commit}")).toBe(next);
    expect(git("rev-parse", "v1.3^{commit}")).toBe(next);
    // v1.2 stays on the last 1.2 release.
    expect(git("rev-parse", "v1.2^{commit}")).not.toBe(next);
  });

  it.each([
    ["1.4.0", "not a release tag: vMAJOR.MINOR.PATCH"],
    ["v1.4", "not a release tag"],
    ["v9.9.9", "there is no tag v9.9.9"],
  ])("refuses the tag %s", (tag, message) => {
    const result = release(tag);
    expect(result.stderr).toContain(message);
    expect(result.status).toBe(1);
  });

  it("refuses a tag whose package.json or changelog does not match, moving nothing", () => {
    const before = git("rev-parse", "v1^{commit}");
    commit("1.4.0", "## [1.4.1] - 2026-12-21\n\n- Wrong entry.\n", "v1.4.1");
    let result = release("v1.4.1");
    expect(result.stderr).toContain("package.json at v1.4.1 says version 1.4.0, not 1.4.1");
    commit("1.5.0", "## [Unreleased] notes only\n", "v1.5.0");
    result = release("v1.5.0");
    expect(result.stderr).toContain(
      'CHANGELOG.md at v1.5.0 has no entry "## [1.5.0] - YYYY-MM-DD"',
    );
    expect(result.status).toBe(1);
    expect(git("rev-parse", "v1^{commit}")).toBe(before);
  });

  it("the project's own changelog is in the form it reads", () => {
    const changelog = readFileSync(projectPath("CHANGELOG.md"), "utf8");
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
    // Keep a Changelog's sections only, under each version.
    for (const [, section] of changelog.matchAll(/^### (.+)$/gm))
      expect(["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"]).toContain(section);
  });
});
