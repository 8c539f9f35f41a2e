// What the Action deploys: a kustomization rendered by the real kustomize (the bundled base
// by default, or the caller's overlay), and what it says when it cannot.
import { afterEach, describe, expect, it, vi } from "vitest";
import { readInputs } from "../../src/action/inputs.ts";
import { kubernetesObjects, objectsFor } from "../../src/action/manifests.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";
import { APPLY_ORDER, USER_PROVIDED_FILES } from "../../src/manifest-checks/order.ts";
import { withoutInstallationLabels } from "../support/kustomize.ts";

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
    expect(objects[0]).toMatchObject({ kind: "Namespace", metadata: { name: inputs.namespace } });
    expect(new Set(objects.slice(1).map((o) => o.metadata.namespace))).toEqual(
      new Set([inputs.namespace]),
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
