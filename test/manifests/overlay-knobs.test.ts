// The knobs a team turns in its own overlay do what they say and nothing else: the payments
// fixture (test/fixtures/overlays/payments) rendered with the s3 and monitoring components.
// A schedule patch of a base CronJob reaches that CronJob only.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { projectPath } from "../../src/core/paths.ts";

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

const scratch = mkdtempSync(join(tmpdir(), "mcpgov-overlay-knobs-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Renders a kustomization written in a directory of its own under the scratch directory,
 * its `{root}` the repository's root as a path relative to it (kustomize takes no absolute one).
 */
function renderOverlay(name: string, kustomization: string): KubeObject[] {
  const dir = join(scratch, name);
  const root = relative(dir, projectPath());
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kustomization.yaml"), kustomization.replaceAll("{root}", root));
  return renderKustomization(dir);
}

/** The payments fixture less the bot's target component (its own work, docs/bot.md). */
const payments = readFileSync(
  projectPath("test/fixtures/overlays/payments/kustomization.yaml"),
  "utf8",
)
  .replaceAll("../../../../", "{root}/")
  .split("\n")
  .filter((line) => !line.trim().endsWith("/manifests/bot-target"))
  .join("\n");

const find = (objects: KubeObject[], kind: string, name: string): Any => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is not in the render`);
  return found;
};

describe("a schedule patch of a base CronJob", () => {
  const base = renderKustomization(projectPath("examples", "production"));
  const objects = renderOverlay("payments", payments);

  it("moves that CronJob (the fixture's full backup at 01:30)", () => {
    expect(find(objects, "CronJob", "pgbackrest-full-backup").spec.schedule).toBe("30 1 * * *");
  });

  it.each(["full-backup", "diff-backup", "restore-validation"])(
    "leaves pgbackrest-%s-s3's schedule as the S3 component sets it",
    (kind) => {
      const name = `pgbackrest-${kind}-s3`;
      expect(find(objects, "CronJob", name).spec.schedule).toBe(
        find(base, "CronJob", name).spec.schedule,
      );
    },
  );

  it("of every base CronJob reaches no -s3 one", () => {
    const patched = renderOverlay(
      "every-schedule",
      `${payments}
  - target: {kind: CronJob, name: pgbackrest-diff-backup}
    patch: |-
      - {op: replace, path: /spec/schedule, value: "15 */4 * * *"}
  - target: {kind: CronJob, name: pgbackrest-restore-validation}
    patch: |-
      - {op: replace, path: /spec/schedule, value: "45 5 * * 6"}
`,
    );
    const schedules = (list: KubeObject[]) =>
      list
        .filter((o) => o.kind === "CronJob" && o.metadata.name.endsWith("-s3"))
        .map((o) => [o.metadata.name, (o.spec as Any).schedule]);
    expect(schedules(patched)).toEqual(schedules(base));
  });
});

/** Every instance label an object and its pod templates carry, as `Kind/name: value`. */
function instanceLabels(objects: KubeObject[]): string[] {
  const key = "app.kubernetes.io/instance";
  return objects.flatMap((o) => {
    const spec = o.spec as Any;
    const templates = [spec?.template, spec?.jobTemplate, spec?.jobTemplate?.spec?.template];
    return [o.metadata, ...templates.filter(Boolean).map((t) => t.metadata ?? {})].map(
      (metadata) => `${o.kind}/${o.metadata.name}: ${metadata.labels?.[key]}`,
    );
  });
}

describe("the instance label", () => {
  it("is the payments fixture's on every object and pod template", () => {
    const labels = instanceLabels(renderOverlay("payments", payments));
    expect(labels.filter((l) => !l.endsWith(": payments"))).toEqual([]);
    expect(labels.length).toBeGreaterThan(40);
  });

  it("set by an overlay stays its own when another adds the components on top", () => {
    renderOverlay(
      "own-label",
      `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: payments
labels:
  - pairs: {app.kubernetes.io/instance: payments}
    includeSelectors: false
    includeTemplates: true
resources:
  - {root}/manifests
`,
    );
    const labels = instanceLabels(
      renderOverlay(
        "components-on-top",
        `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../own-label
components:
  - {root}/manifests/s3
  - {root}/manifests/monitoring
  - {root}/manifests/action
`,
      ),
    );
    expect(labels.filter((l) => !l.endsWith(": payments"))).toEqual([]);
  });

  it("is the base's, mcpgov, on every object when the overlay sets none", () => {
    const labels = instanceLabels(
      renderOverlay(
        "no-label",
        `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - {root}/manifests
components:
  - {root}/manifests/s3
  - {root}/manifests/monitoring
  - {root}/manifests/action
`,
      ),
    );
    expect(labels.filter((l) => !l.endsWith(": mcpgov"))).toEqual([]);
  });
});

describe("no component stamps the instance label", () => {
  // manifests/bot is not one: the bot is an installation of its own, in its own namespace.
  it.each(["s3", "monitoring", "bot-target", "action"])("manifests/%s", (component) => {
    const text = readFileSync(projectPath("manifests", component, "kustomization.yaml"), "utf8");
    expect(text).not.toMatch(/app\.kubernetes\.io\/instance:/);
  });
});
