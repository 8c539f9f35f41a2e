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

describe("images/pgbackrest/Dockerfile's downloads", () => {
  const dockerfile = readFileSync(projectPath("images", "pgbackrest", "Dockerfile"), "utf8");

  it("checks kubectl against a SHA-512 pinned for every platform the image is built for", () => {
    const workflow = readFileSync(projectPath(".github", "workflows", "image.yml"), "utf8");
    const platforms = /platforms: (\S+)/.exec(workflow)?.[1]?.split(",") ?? [];
    expect(platforms).toEqual(["linux/amd64", "linux/arm64"]);
    for (const platform of platforms) {
      const arch = platform.replace("linux/", "").toUpperCase();
      expect(dockerfile).toMatch(new RegExp(`^ARG KUBECTL_SHA512_${arch}=[0-9a-f]{128}$`, "m"));
    }
    expect(dockerfile).toContain(`echo "\${sum}  /tmp/kubernetes-client.tar.gz" | sha512sum -c -`);
    // Every download is checked against a pinned sum, never one fetched beside it.
    const fetched = [...dockerfile.matchAll(/curl [^;]*?(https:\/\/\S+)/g)].map((m) => m[1]);
    expect(fetched).toEqual([
      `https://dl.k8s.io/v\${KUBECTL_VERSION}/kubernetes-client-linux-\${arch}.tar.gz";`,
    ]);
  });
});
