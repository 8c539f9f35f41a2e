// scripts/install-pgbackrest.sh, which setup, vm/install.sh and the image all use: it puts
// the pinned release in place only from a package whose SHA-256 is the pinned one, runs
// the binary it installs, and fetches nothing when the release is already there. Offline:
// the package comes from the cache setup keeps in .tools/, or from a mirror on disk.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.ts";
import { pinnedPgbackrest } from "../support/pgbackrest-version.ts";

const script = projectPath("scripts", "install-pgbackrest.sh");
const made: string[] = [];
const scratch = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};
/** The package setup fetched and checked, kept in .tools/. */
const cachedPackage = () => {
  const name = readdirSync(projectPath(".tools")).find((f) =>
    f.startsWith(`pgbackrest_${pinnedPgbackrest()}-`),
  );
  if (!name) throw new Error("no pgBackRest package in .tools/: run npm run setup");
  return { name, path: projectPath(".tools", name) };
};
/** Runs the script with only the given mirrors: nothing leaves this machine. */
const install = (args: string[], mirrors = "file:///nonexistent") =>
  spawnSync("bash", [script, ...args], {
    encoding: "utf8",
    env: { ...process.env, PGBACKREST_DEB_MIRRORS: mirrors },
  });

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("install-pgbackrest.sh", () => {
  it("is what this machine runs", () => {
    const result = spawnSync("pgbackrest", ["version"], { encoding: "utf8" });
    expect(result.stdout.trim()).toBe(`pgBackRest ${pinnedPgbackrest()}`);
  });

  it("installs the pinned release from a checked package, and runs it", () => {
    const root = scratch("install-pgbackrest-root-");
    const cache = scratch("install-pgbackrest-cache-");
    const { name, path } = cachedPackage();
    copyFileSync(path, join(cache, name));
    const first = install(["--root", root, "--cache", cache]);
    expect(first.stderr).toContain(
      `installed pgBackRest ${pinnedPgbackrest()} at ${root}/usr/bin/pgbackrest`,
    );
    expect(first.status).toBe(0);
    const version = spawnSync(join(root, "usr/bin/pgbackrest"), ["version"], {
      encoding: "utf8",
      env: { ...process.env, LD_BIND_NOW: "1" },
    });
    expect(version.stdout.trim()).toBe(`pgBackRest ${pinnedPgbackrest()}`);
    // Again: nothing fetched, nothing said, nothing changed.
    const again = install(["--root", root, "--cache", cache]);
    expect(again.stderr).toBe("");
    expect(again.status).toBe(0);
  });

  it("takes the package from a mirror and keeps it in the cache", () => {
    const root = scratch("install-pgbackrest-root-");
    const cache = join(scratch("install-pgbackrest-cache-"), "tools");
    const mirror = scratch("install-pgbackrest-mirror-");
    const { name, path } = cachedPackage();
    mkdirSync(join(mirror, "pool/main/p/pgbackrest"), { recursive: true });
    copyFileSync(path, join(mirror, "pool/main/p/pgbackrest", name));
    const result = install(
      ["--root", root, "--cache", cache],
      `file:///nonexistent file://${mirror}`,
    );
    expect(result.status).toBe(0);
    expect(existsSync(join(root, "usr/bin/pgbackrest"))).toBe(true);
    expect(readdirSync(cache)).toEqual([name]);
  });

  it("refuses a package whose SHA-256 is not the pinned one, from the cache or a mirror", () => {
    const root = scratch("install-pgbackrest-root-");
    const cache = scratch("install-pgbackrest-cache-");
    const mirror = scratch("install-pgbackrest-mirror-");
    const { name } = cachedPackage();
    // A package of the right name and another content, in both places.
    writeFileSync(join(cache, name), "not the package\n");
    mkdirSync(join(mirror, "pool/main/p/pgbackrest"), { recursive: true });
    writeFileSync(join(mirror, "pool/main/p/pgbackrest", name), "also not the package\n");
    const result = install(["--root", root, "--cache", cache], `file://${mirror}`);
    expect(result.stderr).toContain(`${cache}/${name} has SHA-256 `);
    expect(result.stderr).toMatch(
      new RegExp(
        `${name} from file://${mirror} has SHA-256 \\w+, not the pinned \\w+; not using it`,
      ),
    );
    expect(result.stderr).toContain(`error: could not fetch ${name} with SHA-256`);
    expect(result.status).toBe(1);
    expect(existsSync(join(root, "usr/bin/pgbackrest"))).toBe(false);
  });

  it("is how the image gets pgBackRest: the same release, checked, for every platform it is built for", () => {
    const dockerfile = readFileSync(projectPath("images", "pgbackrest", "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/^ARG PGBACKREST_VERSION=(\S+)$/m);
    expect(/^ARG PGBACKREST_VERSION=(\S+)$/m.exec(dockerfile)?.[1]).toBe(pinnedPgbackrest());
    expect(dockerfile).toContain(
      "COPY --chmod=0555 scripts/install-pgbackrest.sh /usr/local/sbin/install-pgbackrest.sh",
    );
    expect(dockerfile).toMatch(
      /test "\$\(install-pgbackrest\.sh --print-version\)" = "\$\{PGBACKREST_VERSION\}"; \\\n\s+install-pgbackrest\.sh; \\/,
    );
    // Never the package an apt repository happens to list.
    expect(dockerfile).not.toMatch(/apt-get install[^;]*\bpgbackrest\b/);
    const workflow = readFileSync(projectPath(".github", "workflows", "image.yml"), "utf8");
    const platforms = /platforms: (\S+)/.exec(workflow)?.[1]?.split(",") ?? [];
    expect(platforms.length).toBeGreaterThan(0);
    const pinnedScript = readFileSync(script, "utf8");
    for (const platform of platforms) {
      const arch = platform.replace("linux/", "");
      expect(pinnedScript).toMatch(new RegExp(`\\[${arch}\\]=[0-9a-f]{64}\\n`));
    }
  });

  it("refuses an unknown argument and says where to look", () => {
    const result = install(["--frobnicate"]);
    expect(result.stderr).toBe(
      "install-pgbackrest: error: unknown argument --frobnicate (see --help)\n",
    );
    expect(result.status).toBe(1);
  });
});
