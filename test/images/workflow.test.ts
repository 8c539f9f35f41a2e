// The image workflow ships every image the manifests run, each the same way: built for the
// same platforms, pushed with an SBOM and provenance, signed keylessly by its digest, and
// tagged so that the manifests' own references name it. Its shell steps run here as GitHub
// would run them, with the outputs of the steps before them.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { projectPath } from "../../src/core/paths.ts";
import { kustomize } from "../support/kustomize.ts";

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}

const workflow = parse(readFileSync(projectPath(".github", "workflows", "image.yml"), "utf8")) as {
  jobs: Record<string, { steps: Step[] }>;
};
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const packageVersion = (
  JSON.parse(readFileSync(projectPath("package.json"), "utf8")) as { version: string }
).version;
const dockerfiles = readdirSync(projectPath("images"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => `images/${entry.name}/Dockerfile`);
const builds = steps.filter((s) => s.uses?.startsWith("docker/build-push-action@"));

/** Every container image the base and its components name (the bot's with them). */
const manifestImages = [
  ...new Set(
    kustomize(projectPath("examples", "production")).flatMap((object) =>
      [...JSON.stringify(object).matchAll(/"image":"([^"]+)"/g)].map((m) => m[1] ?? ""),
    ),
  ),
].sort();

/** Runs a `run:` step with bash as GitHub does, its `${{ … }}` given; returns its outputs. */
function runStep(
  step: Step,
  given: Record<string, string>,
  dir = mkdtempSync(join(tmpdir(), "mcpgov-backup-image-workflow-")),
  cwd = projectPath(),
): Record<string, string> {
  const outputs = join(dir, "outputs");
  writeFileSync(outputs, "");
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(step.env ?? {}))
    env[name] = value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
      const known = given[expression];
      if (known === undefined) throw new Error(`the test gives no value for ${expression}`);
      return known;
    });
  execFileSync("bash", ["-e", "-c", step.run ?? ""], {
    cwd,
    env: {
      PATH: process.env.PATH,
      GITHUB_REPOSITORY_OWNER: "Org",
      GITHUB_OUTPUT: outputs,
      GITHUB_STEP_SUMMARY: join(dir, "summary"),
      RUNNER_TEMP: dir,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const read = Object.fromEntries(
    readFileSync(outputs, "utf8")
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  return read;
}

const versionsStep = steps.find((s) => s.id === "versions") as Step;
const versions = runStep(versionsStep, {});
const expression = (value: unknown) => /^\$\{\{\s*(.+?)\s*\}\}$/.exec(String(value))?.[1] ?? "";
const outputOf = (value: unknown) =>
  versions[expression(value).replace(/^steps\.versions\.outputs\./, "")] ?? "";

describe("the image workflow (.github/workflows/image.yml)", () => {
  it("builds every image in images/, the bot's beside pgBackRest's", () => {
    expect(dockerfiles).toEqual(["images/bot/Dockerfile", "images/pgbackrest/Dockerfile"]);
    expect(builds.map((b) => b.with?.file).sort()).toEqual(dockerfiles);
  });

  it.each(dockerfiles)("pushes %s as the other: both platforms, an SBOM and provenance", (file) => {
    const build = builds.find((b) => b.with?.file === file);
    expect(build?.with).toMatchObject({
      context: ".",
      platforms: "linux/amd64,linux/arm64",
      push: true,
      sbom: true,
      provenance: "mode=max",
    });
    expect(build?.id).toMatch(/^[\w-]+$/);
  });

  it.each(dockerfiles)("signs %s keylessly by the digest it pushed", (file) => {
    const build = builds.find((b) => b.with?.file === file);
    const signs = steps.filter(
      (s) =>
        s.run?.includes('cosign sign --yes "$IMAGE@$DIGEST"') &&
        s.env?.DIGEST === `\${{ steps.${build?.id}.outputs.digest }}`,
    );
    expect(signs).toHaveLength(1);
    const image = outputOf(signs[0]?.env?.IMAGE);
    // The image signed is the one the tags were pushed to.
    expect(outputOf(build?.with?.tags).split(",")[0]).toMatch(new RegExp(`^${image}:`));
    expect(steps.findIndex((s) => s.uses?.startsWith("sigstore/cosign-installer@"))).toBeLessThan(
      steps.indexOf(signs[0] as Step),
    );
  });

  it("tags each image so that the manifests' references name it, the bot's with the package's version", () => {
    expect(manifestImages).toEqual([
      `ghcr.io/org/mcpgov-backup-bot:${packageVersion}`,
      "ghcr.io/org/mcpgov-backup-pgbackrest:15.19-2.55.1",
    ]);
    const pushed = builds.flatMap((b) => outputOf(b.with?.tags).split(","));
    // The owner as the manifests write it (GHCR's names are lowercase).
    for (const image of manifestImages) expect(pushed).toContain(image);
  });

  it("writes one kustomize images: entry per image, pinning each to the digest it signed", () => {
    const pin = steps.find((s) => s.run?.includes("image.kustomization.yaml <<")) as Step;
    const given: Record<string, string> = {};
    const digests: Record<string, string> = {};
    for (const value of Object.values(pin.env ?? {})) {
      const wanted = expression(value);
      const build = /^steps\.([\w-]+)\.outputs\.digest$/.exec(wanted)?.[1];
      if (!build) {
        given[wanted] = outputOf(value);
        continue;
      }
      const file = builds.find((b) => b.id === build)?.with?.file as string;
      const digest = `sha256:${createHash("sha256").update(file).digest("hex")}`;
      given[wanted] = digest;
      digests[outputOf(builds.find((b) => b.id === build)?.with?.tags).split(":")[0] ?? ""] =
        digest;
    }
    const dir = mkdtempSync(join(tmpdir(), "mcpgov-backup-image-pin-"));
    runStep(pin, given, dir, dir);
    const { images } = parse(readFileSync(join(dir, "image.kustomization.yaml"), "utf8")) as {
      images: { name: string; newName: string; digest: string }[];
    };
    const names = manifestImages.map((image) => image.split(":")[0] ?? "");
    expect(images.map((i) => i.name)).toEqual(names);
    for (const image of images) {
      expect(image.newName).toBe(image.name);
      expect(image.digest).toBe(digests[image.newName]);
    }
  });
});
