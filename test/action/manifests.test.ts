// What the Action deploys: a kustomization rendered by the real kustomize (the bundled base
// by default, or the caller's overlay), and what it says when it cannot.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { InputError, readInputs } from "../../src/action/inputs.ts";
import { kubernetesObjects, objectsFor } from "../../src/action/manifests.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { containersOf, podSpecOf } from "../../src/core/manifests/pod.ts";
import { BASE_NAMESPACE } from "../../src/core/names/defaults.ts";
import { PGBACKREST_IMAGE } from "../../src/core/names/objects.ts";
import { projectPath } from "../../src/core/paths.ts";
import { APPLY_ORDER, USER_PROVIDED_FILES } from "../../src/manifest-checks/order.ts";
import { withoutInstallationLabels } from "../support/kustomize.ts";
import { paymentsOverlayWithoutComponents } from "../support/payments-overlay.ts";

const fixture = (name: string) => projectPath("test", "fixtures", "manifests", name);
const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;

afterEach(() => vi.unstubAllEnvs());

describe("the Action's manifests", () => {
  it("deploys the bundled base by default: its files, in deploy's order, in its namespace", async () => {
    const inputs = readInputs((name) => (name === "operations" ? "deploy" : ""));
    const objects = withoutInstallationLabels(await objectsFor(inputs));
    const files = APPLY_ORDER.filter((f) => !(f in USER_PROVIDED_FILES)).flatMap((f) =>
      loadManifestFile(projectPath("manifests", f)).map((d) => d.object as never),
    );
    const kindAndName = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
    expect(objects.map(kindAndName).slice(1)).toEqual(files.map(kindAndName).slice(1));
    // The Namespace object takes the namespace's name; nothing else is changed
    // (test/manifests/kustomize.test.ts).
    expect(objects[0]).toMatchObject({ kind: "Namespace", metadata: { name: BASE_NAMESPACE } });
    expect(new Set(objects.slice(1).map((o) => o.metadata.namespace))).toEqual(
      new Set([BASE_NAMESPACE]),
    );
  });

  it("deploys the caller's overlay: a second database in a namespace of its own", () => {
    const objects = kubernetesObjects(fixture("second-database"));
    const namespaced = objects.filter((o) => o.kind !== "Namespace");
    expect(new Set(namespaced.map((o) => o.metadata.namespace))).toEqual(new Set(["ledger-db"]));
    expect(objects.find((o) => o.kind === "Namespace")?.metadata.name).toBe("ledger-db");
    // The backup Jobs' right to exec follows their ServiceAccount into the namespace.
    const binding = objects.find((o) => o.kind === "RoleBinding") as never as {
      subjects: { namespace: string }[];
    };
    expect(binding.subjects.map((s) => s.namespace)).toEqual(["ledger-db"]);
    // Otherwise the same objects (in kustomize's order: deploy orders what it runs itself).
    const base = kubernetesObjects(projectPath("manifests")).filter((o) => o.kind !== "Namespace");
    expect(namespaced.map(key).sort()).toEqual(base.map(key).sort());
  });

  it("says what is wrong with a kustomization that does not build", () => {
    expect(() => kubernetesObjects(fixture("broken-kustomization"))).toThrow(
      /^kubectl kustomize .*broken-kustomization failed: .*missing\.yaml/,
    );
  });

  it("says how to get kubectl when there is none", () => {
    vi.stubEnv("MCPGOV_KUBECTL", "/nonexistent/kubectl");
    expect(() => kubernetesObjects(projectPath("manifests"))).toThrow(
      "kubectl was not found (/nonexistent/kubectl): a kustomization is rendered with kubectl kustomize; install kubectl, or set MCPGOV_KUBECTL to it",
    );
  });

  it("refuses a directory of files that is not a kustomization, saying what to give", () => {
    expect(() => kubernetesObjects(fixture("../e2e"))).toThrow(
      /^input manifests: .* has no kustomization\.yaml; give the bundled base \(the default\) or an overlay of it \(see examples\/\)$/,
    );
  });
});

/** Every container's image, by object and container. */
const imagesOf = (objects: KubeObject[]) =>
  new Map(
    objects.flatMap((o) => {
      const spec = podSpecOf(o);
      const containers = spec ? containersOf(spec) : [];
      return containers.map((c) => [`${key(o)}/${c.name}`, c.image ?? ""] as const);
    }),
  );
const withImageInput = (manifests: string, image: string) =>
  objectsFor(readInputs((name) => ({ operations: "deploy", manifests, image })[name] ?? ""));

describe("the Action's image input", () => {
  // A database's overlay and the bot beside it (the bot has a kustomization of its own, in
  // its own namespace): the input must change neither the bot's image nor any other.
  const production = mkdtempSync(join(tmpdir(), "mcpgov-backup-image-input-"));
  writeFileSync(
    join(production, "kustomization.yaml"),
    `resources:\n  - ${relative(production, projectPath("examples", "production"))}\n  - ${relative(production, projectPath("manifests", "bot"))}\n`,
  );
  const payments = paymentsOverlayWithoutComponents();
  afterAll(() => {
    payments.remove();
    rmSync(production, { recursive: true, force: true });
  });

  it("replaces the pgBackRest image only: the bot and every other container keep theirs", async () => {
    const before = imagesOf(kubernetesObjects(production));
    const image = "registry.example/team/pgbackrest:2.57.0";
    const after = imagesOf(await withImageInput(production, image));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const expected = new Map(
      [...before].map(([where, was]) => [
        where,
        was.startsWith(`${PGBACKREST_IMAGE}:`) ? image : was,
      ]),
    );
    expect(after).toEqual(expected);
    expect([...after.values()].filter((i) => i === image).length).toBeGreaterThan(5);
    expect(after.get("Deployment/mcpgov-backup-bot/bot")).toBe(
      "ghcr.io/org/mcpgov-backup-bot:0.1.0",
    );
  });

  it("takes an image pinned by digest, and a name alone keeps the manifests' tag", async () => {
    const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
    const pinned = imagesOf(await withImageInput(production, `registry.example/team/pg@${digest}`));
    expect(pinned.get("StatefulSet/postgres/postgres")).toBe(`registry.example/team/pg@${digest}`);
    const named = imagesOf(await withImageInput(production, "registry.example:5000/team/pg"));
    const tag = imagesOf(kubernetesObjects(production))
      .get("StatefulSet/postgres/postgres")
      ?.split(":")
      .pop();
    expect(named.get("StatefulSet/postgres/postgres")).toBe(`registry.example:5000/team/pg:${tag}`);
    expect(named.get("Deployment/mcpgov-backup-bot/bot")).toBe(
      "ghcr.io/org/mcpgov-backup-bot:0.1.0",
    );
  });

  it("is refused, saying where to set it, when the overlay's images: already renamed the image", async () => {
    const run = withImageInput(payments.dir, "registry.example/team/pgbackrest:2.57.0");
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(
      `input image: no container of ${payments.dir} runs ${PGBACKREST_IMAGE} (its images: names another); set the image in the overlay's images: entry instead, or leave the image input out`,
    );
  });
});
