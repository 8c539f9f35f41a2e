// The image workflow ships every image the manifests run, each the same way: built for the
// same platforms, pushed with an SBOM and provenance, signed keylessly by its digest, and
// tagged so that the manifests' own references name it. Its shell steps run here as GitHub
// would run them, with the outputs of the steps before them.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
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

/** Every container image the base, its components and the bot (in its own namespace) name. */
const manifestImages = [
  ...new Set(
    [
      ...kustomize(projectPath("examples", "production")),
      ...kustomize(projectPath("manifests", "bot")),
    ].flatMap((object) =>
      [...JSON.stringify(object).matchAll(/"image":"([^"]+)"/g)].map((m) => m[1] ?? ""),
    ),
  ),
].sort();

/** Scratch directories of this file's runs, removed when it ends. */
const scratches: string[] = [];
afterAll(() => {
  for (const dir of scratches) rmSync(dir, { recursive: true, force: true });
});
function scratch(purpose: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mcpgov-backup-image-${purpose}-`));
  scratches.push(dir);
  return dir;
}

/** Runs a `run:` step with bash as GitHub does, its `${{ … }}` given; returns its outputs. */
function runStep(
  step: Step,
  given: Record<string, string>,
  dir = scratch("workflow"),
  cwd = projectPath(),
  github: Record<string, string> = {},
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
      ...github,
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

/** The run a release makes: release.yml, on the pushed tag of the package's version, calls it. */
const SHA = "0123456789abcdef0123456789abcdef01234567";
const releaseRun = {
  GITHUB_EVENT_NAME: "push",
  GITHUB_REF: `refs/tags/v${packageVersion}`,
  GITHUB_REF_NAME: `v${packageVersion}`,
  GITHUB_SHA: SHA,
};
const versionsStep = steps.find((s) => s.id === "versions") as Step;
const versionsOf = (github: Record<string, string>) =>
  runStep(versionsStep, {}, undefined, undefined, github);
const versions = versionsOf(releaseRun);
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
    const dir = scratch("pin");
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

  const pushedBy = (run: Record<string, string>) =>
    builds.flatMap((b) =>
      (run[expression(b.with?.tags).replace(/^steps\.versions\.outputs\./, "")] ?? "").split(","),
    );

  it.each([
    ["a run by hand on a branch", "workflow_dispatch", "refs/heads/main"],
    ["a run by hand on the release's tag", "workflow_dispatch", `refs/tags/v${packageVersion}`],
    ["a push to a branch", "push", "refs/heads/feature"],
    ["a pull request", "pull_request", "refs/pull/7/merge"],
  ])("pushes no release tag from %s, only one scoped to its commit", (_, event, ref) => {
    const pushed = pushedBy(
      versionsOf({
        GITHUB_EVENT_NAME: event,
        GITHUB_REF: ref,
        GITHUB_REF_NAME: ref.replace(/^refs\/\w+\//, ""),
        GITHUB_SHA: SHA,
      }),
    );
    expect(pushed).toHaveLength(builds.length);
    for (const tag of pushed)
      expect(tag).toMatch(/^ghcr\.io\/org\/mcpgov-backup-[a-z]+:dev-0123456789ab$/);
    for (const image of manifestImages) expect(pushed).not.toContain(image);
  });

  it("refuses a release tag that is not the package's version", () => {
    expect(() =>
      versionsOf({ ...releaseRun, GITHUB_REF: "refs/tags/v99.0.0", GITHUB_REF_NAME: "v99.0.0" }),
    ).toThrow(/v99\.0\.0 is not the package's version/);
  });

  it("pushes only the tags the versions step chose, and nothing else pushes", () => {
    for (const build of builds)
      expect(build.with?.tags).toMatch(/^\$\{\{ steps\.versions\.outputs\.[a-z]+-tags \}\}$/);
    const pushers = steps.filter((s) =>
      /docker (image )?push|docker tag|imagetools|crane |oras |regctl|skopeo/.test(s.run ?? ""),
    );
    expect(pushers).toEqual([]);
  });

  it("is a release only when release.yml calls it, on a vX.Y.Z tag, and attaches the digests there", () => {
    const release = parse(
      readFileSync(projectPath(".github", "workflows", "release.yml"), "utf8"),
    ) as {
      on: { push: { tags: string[]; branches?: unknown } };
      jobs: Record<string, { uses?: string; with?: Record<string, string> }>;
    };
    expect(Object.keys(release.on)).toEqual(["push"]);
    expect(release.on.push).toEqual({ tags: ["v[0-9]+.[0-9]+.[0-9]+"] });
    expect(
      Object.values(release.jobs).find((j) => j.uses === "./.github/workflows/image.yml")?.with,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression
    ).toEqual({ release: "${{ github.ref_name }}" });
    const attach = steps.find((s) => s.run?.includes("gh release upload"));
    expect(attach?.run).toBe('gh release upload "$RELEASE" image.kustomization.yaml --clobber');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression
    expect(attach?.env?.RELEASE).toBe("${{ inputs.release }}");
  });

  it("writes the digests as a component an overlay lists, so that every pod runs what was signed", () => {
    const pin = steps.find((s) => s.run?.includes("image.kustomization.yaml <<")) as Step;
    const given: Record<string, string> = {};
    for (const value of Object.values(pin.env ?? {})) {
      const wanted = expression(value);
      given[wanted] = wanted.endsWith(".digest")
        ? `sha256:${createHash("sha256").update(wanted).digest("hex")}`
        : outputOf(value);
    }
    const dir = scratch("overlay");
    mkdirSync(join(dir, "release-images"));
    runStep(pin, given, dir, join(dir, "release-images"));
    writeFileSync(
      join(dir, "release-images", "kustomization.yaml"),
      readFileSync(join(dir, "release-images", "image.kustomization.yaml")),
    );
    writeFileSync(
      join(dir, "kustomization.yaml"),
      `resources:\n  - ${relative(dir, projectPath("examples", "production"))}\n  - ${relative(dir, projectPath("manifests", "bot"))}\ncomponents:\n  - release-images\n`,
    );
    const images = new Set(
      kustomize(dir).flatMap((object) =>
        [...JSON.stringify(object).matchAll(/"image":"([^"]+)"/g)].map((m) => m[1] ?? ""),
      ),
    );
    expect([...images].sort()).toEqual(
      manifestImages.map(
        (image) =>
          `${image.split(":")[0]}@${given[`steps.${image.includes("-bot") ? "bot" : "pgbackrest"}.outputs.digest`]}`,
      ),
    );
  });
});

/** The identity a signature must carry: this repository's image.yml, run for a release tag. */
describe("the signature's identity, as the docs verify it", () => {
  const docs = [
    "README.md",
    ...readdirSync(projectPath("docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
  const text = docs.map((file) => readFileSync(projectPath(file), "utf8")).join("\n");
  const identities = [
    ...text.matchAll(/--certificate-identity-regexp[ =]'([^']+)'/g),
    ...text.matchAll(/subjectRegExp: '([^']+)'/g),
    ...text.matchAll(/subjectRegExp: "([^"]+)"/g),
    ...text.matchAll(/regexp: '([^']+)'/g),
  ].map((m) => m[1] ?? "");
  const workflow = "https://github.com/OWNER/mcpgov-backup/.github/workflows";

  it("names it in every cosign verify and in the cluster's policy", () => {
    expect(text).toMatch(/cosign verify /);
    expect(text.match(/cosign verify /g)?.length).toBe(
      text.match(
        /cosign verify [^\n]*--certificate-identity-regexp '[^']+' --certificate-oidc-issuer https:\/\/token\.actions\.githubusercontent\.com\b/g,
      )?.length,
    );
    expect(text).not.toMatch(/--certificate-identity-regexp (?!')/);
    expect(identities.length).toBeGreaterThanOrEqual(2);
  });

  it.each([`${workflow}/image.yml@refs/tags/v1.2.3`, `${workflow}/image.yml@refs/tags/v10.0.12`])(
    "accepts %s",
    (identity) => {
      for (const pattern of identities) expect(identity).toMatch(new RegExp(pattern));
    },
  );

  it.each([
    `${workflow}/image.yml@refs/heads/main`,
    `${workflow}/ci.yml@refs/tags/v1.2.3`,
    `${workflow}/image.yml@refs/tags/v1.2.3-rc.evil`,
    `${workflow}/image.yml@refs/tags/v1.2`,
    `https://github.com/OWNER/mcpgov-backup-fork/.github/workflows/image.yml@refs/tags/v1.2.3`,
    `https://github.com/EVIL/x/.github/workflows/a.yml@refs/heads/m?${workflow}/image.yml@refs/tags/v1.2.3`,
    `${workflow}/image.yml@refs/tags/v1.2.3/../../heads/main`,
  ])("refuses %s", (identity) => {
    for (const pattern of identities) expect(identity).not.toMatch(new RegExp(pattern));
  });
});
