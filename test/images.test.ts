// The two images build from bases pinned by digest, so that a rebuilt base cannot change
// what a release's image holds; the tag beside each digest is the release its ARG names
// (the pgBackRest image's tag and the bot's Node.js check read the ARG), and Dependabot
// watches both.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { projectPath } from "../src/core/paths.ts";

const IMAGES = [
  { dir: "pgbackrest", base: "postgres", arg: "POSTGRES_VERSION", suffix: "-bookworm" },
  { dir: "bot", base: "node", arg: "NODE_VERSION", suffix: "-bookworm-slim" },
];

describe.each(IMAGES)("images/$dir/Dockerfile", ({ dir, base, arg, suffix }) => {
  const dockerfile = readFileSync(projectPath("images", dir, "Dockerfile"), "utf8");

  it("builds from one base, pinned by digest, of the release its ARG names", () => {
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms).toHaveLength(1);
    const version = new RegExp(`^ARG ${arg}=(\\S+)$`, "m").exec(dockerfile)?.[1];
    expect(version).toMatch(/^\d+\.\d+(\.\d+)?$/);
    expect(froms[0]).toMatch(
      new RegExp(`^${base}:${version?.replaceAll(".", "\\.")}${suffix}@sha256:[0-9a-f]{64}$`),
    );
  });

  it("is watched by Dependabot", () => {
    const dependabot = readFileSync(projectPath(".github", "dependabot.yml"), "utf8");
    expect(dependabot).toMatch(
      new RegExp(`- package-ecosystem: docker\\n\\s+directory: /images/${dir}\\n`),
    );
  });
});
