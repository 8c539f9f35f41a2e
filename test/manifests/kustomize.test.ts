// manifests/ as a kustomize base: `kubectl apply -k manifests` sends exactly the objects
// of the files (nothing lost, nothing changed by kustomize but the namespace it puts them
// in), and the kustomization lists the files in deploy's order.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { APPLY_ORDER, USER_PROVIDED_FILES } from "../../src/manifest-checks/order.ts";
import {
  INSTALLATION_LABELS,
  kustomize,
  manifestsPath,
  withoutInstallationLabels,
} from "../support/kustomize.ts";

const key = (o: { kind: string; metadata: { namespace?: string; name: string } }) =>
  `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

const NS = "ai-governance";
// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

/** The files the base holds: every one deploy applies, but the Secrets made per cluster. */
const baseFiles = APPLY_ORDER.filter((file) => !(file in USER_PROVIDED_FILES));

describe("manifests/ as a kustomize base", () => {
  it("lists every file deploy applies, in its order, and no Secret made per cluster", () => {
    const resources = (dir: string): string[] =>
      parse(readFileSync(manifestsPath(dir, "kustomization.yaml"), "utf8")).resources.flatMap(
        // A directory is a kustomization of its own (schedules/): its files, in its order.
        (r: string) => (r.endsWith(".yaml") ? [join(dir, r)] : resources(join(dir, r))),
      );
    expect(resources("")).toEqual(baseFiles);
  });

  it("renders with the real kustomize to exactly the objects of those files, in their order, and labels them", () => {
    const labelled = kustomize(manifestsPath());
    for (const object of labelled)
      expect(Object.keys(object.metadata.labels ?? {})).toEqual(
        expect.arrayContaining(INSTALLATION_LABELS),
      );
    const rendered = withoutInstallationLabels(labelled);
    // What the base's `namespace:` does: every object in it, the Namespace named after it,
    // the ServiceAccounts a RoleBinding names found there.
    const placed = (object: Any) => {
      const copy = structuredClone(object);
      if (copy.kind === "Namespace") copy.metadata.name = NS;
      else copy.metadata.namespace = NS;
      for (const subject of copy.subjects ?? []) subject.namespace = NS;
      return copy;
    };
    const fromFiles = baseFiles.flatMap((file) =>
      loadManifestFile(manifestsPath(file)).map((d) => placed(d.object) as never),
    );
    expect(rendered.map(key)).toEqual(fromFiles.map(key));
    const byKey = new Map(rendered.map((o) => [key(o), o]));
    for (const object of fromFiles) expect(byKey.get(key(object))).toEqual(object);
  });

  it("keeps the stanza Job five minutes after it ends, as README.md and the runbook say", () => {
    // test/e2e/day-two.test.ts runs an overlay with seconds instead; what ships is this.
    const job = kustomize(manifestsPath()).find(
      (o) => o.kind === "Job" && o.metadata.name === "pgbackrest-stanza-create",
    ) as Any;
    expect(job.spec.ttlSecondsAfterFinished).toBe(300);
  });
});
