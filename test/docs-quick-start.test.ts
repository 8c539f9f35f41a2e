// The README's "Quick start on Kubernetes" held to the product: its overlay, with this
// checkout's base in place of the released one (which cannot be fetched here), renders
// and passes the offline checks; every object, Secret and key its commands name is what
// the render needs; the release it names is this version, with the script attached; and
// it takes six commands, the first fetching the release's image digests and TLS script.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderKustomization } from "../src/core/kustomize.ts";
import { projectPath } from "../src/core/paths.ts";
import { formatManifestProblem } from "../src/manifest-checks/problem.ts";
import { verifyManifests } from "../src/manifest-checks/verify.ts";
import { PROVIDED } from "./manifests/support.ts";

const readme = readFileSync(projectPath("README.md"), "utf8");
const start = readme.indexOf("### Quick start on Kubernetes");
const section = readme.slice(start, readme.indexOf("\n### ", start + 1));
const block = (language: string) =>
  new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(section)?.[1] ?? "";
const version = JSON.parse(readFileSync(projectPath("package.json"), "utf8")).version;
const RELEASE = `https://github.com/org/mcpgov-backup`;

const commands = block("bash")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"));
const overlay = parse(block("yaml")) as {
  namespace: string;
  resources: string[];
  components: string[];
};
/** What the release attaches as image.kustomization.yaml (image.yml writes it), digests made up. */
const DIGEST = `sha256:${"ab".repeat(32)}`;

const work = mkdtempSync(join(tmpdir(), "mcpgov-backup-quick-start-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The overlay as the README writes it, its remote base replaced by this checkout's. */
function render() {
  const local = block("yaml").replaceAll(
    `${RELEASE}//manifests?ref=v${version}`,
    relative(work, projectPath("manifests")),
  );
  writeFileSync(join(work, "kustomization.yaml"), local);
  mkdirSync(join(work, "release-images"), { recursive: true });
  writeFileSync(
    join(work, "release-images", "kustomization.yaml"),
    [
      "apiVersion: kustomize.config.k8s.io/v1alpha1",
      "kind: Component",
      "images:",
      ...["bot", "pgbackrest"].flatMap((image) => [
        `  - name: ghcr.io/org/mcpgov-backup-${image}`,
        `    newName: ghcr.io/org/mcpgov-backup-${image}`,
        `    digest: ${DIGEST}`,
      ]),
      "",
    ].join("\n"),
  );
  return renderKustomization(work);
}

describe("the README's quick start on Kubernetes", () => {
  it("takes six commands from an empty namespace to a first backup", () => {
    expect(commands).toHaveLength(6);
    expect(commands.at(-1)).toMatch(/create job \S+ --from=cronjob\/pgbackrest-full-backup$/);
  });

  it("uses the release of this version, and the script the release attaches", () => {
    expect(overlay.resources).toEqual([`${RELEASE}//manifests?ref=v${version}`]);
    expect(commands[0]).toContain(
      ` -o make-tls-secrets.sh ${RELEASE}/releases/download/v${version}/make-tls-secrets.sh`,
    );
    const release = readFileSync(projectPath(".github/workflows/release.yml"), "utf8");
    expect(release).toMatch(/gh release create .* scripts\/make-tls-secrets\.sh/);
  });

  it("runs every image by the digest the release attaches, not by a tag", () => {
    expect(commands[0]).toMatch(
      new RegExp(
        `^curl -fsSL --create-dirs -o payments/release-images/kustomization.yaml ${RELEASE}/releases/download/v${version}/image.kustomization.yaml `.replaceAll(
          ".",
          "\\.",
        ),
      ),
    );
    expect(overlay.components).toEqual(["release-images"]);
    const image = readFileSync(projectPath(".github/workflows/image.yml"), "utf8");
    expect(image).toContain('gh release upload "$RELEASE" image.kustomization.yaml');
    const images = new Set(
      render().flatMap((object) =>
        [...JSON.stringify(object).matchAll(/"image":"([^"]+)"/g)].map((m) => m[1] ?? ""),
      ),
    );
    expect([...images]).toEqual([`ghcr.io/org/mcpgov-backup-pgbackrest@${DIGEST}`]);
  });

  it("renders an overlay that passes the offline checks with the Secrets its commands make", () => {
    const objects = render();
    const secret = commands.find((c) => c.includes("create secret generic postgres-secret")) ?? "";
    const keys = [...secret.matchAll(/--from-literal=(\w+)=/g)].map((m) => m[1] as string);
    const docs = objects.map((object, index) => ({ file: "quick start", index, object }));
    const provided = { ...PROVIDED, "Secret/postgres-secret": keys };
    expect(verifyManifests(docs, provided).map(formatManifestProblem)).toEqual([]);
  });

  it("names only what the overlay installs, in the overlay's namespace", () => {
    const objects = render();
    const names = new Set(objects.map((o) => `${String(o.kind).toLowerCase()}/${o.metadata.name}`));
    for (const command of commands.filter((c) => c.startsWith("kubectl -n"))) {
      expect(command).toContain(`-n ${overlay.namespace} `);
      for (const [, kind, name] of command.matchAll(/\b(job|cronjob)\/([a-z0-9-]+)/g))
        if (!command.includes(`create job ${name}`)) expect(names).toContain(`${kind}/${name}`);
    }
    expect(commands).toContain("kubectl apply -k payments");
    expect(commands).toContain("bash make-tls-secrets.sh --kustomization payments --apply");
  });
});
