// A team's own overlay reaches what a restore runs: the bot builds its point-in-time
// restore Job from the overlay's pgbackrest-restore-pitr CronJob as the cluster holds it,
// so the overlay's image, namespace, labels and stanza are the Job's, and nothing baked
// into the bot's image is.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { KubeObject } from "../../src/core/cluster.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { podSpecOf } from "../../src/core/manifests/pod.ts";
import { projectPath } from "../../src/core/paths.ts";
import { restoreJobFromCluster } from "../../src/core/restore-job.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";

const PAYMENTS = "test/fixtures/overlays/payments";
const IMAGE = "registry.payments.example/platform/pgbackrest:15.19-2.55.1-p1";

/**
 * The payments overlay rendered from a copy beside nothing of the repository: its paths
 * made relative to the copy, and without the bot's component, whose records namespace
 * does not render in another namespace yet (issue 31, the bot in any namespace).
 */
function renderPayments(): KubeObject[] {
  const dir = mkdtempSync(join(tmpdir(), "payments-overlay-"));
  try {
    const kustomization = parse(readFileSync(projectPath(PAYMENTS, "kustomization.yaml"), "utf8"));
    const moved = (path: string) => relative(dir, join(projectPath(PAYMENTS), path));
    kustomization.resources = kustomization.resources.map(moved);
    kustomization.components = kustomization.components
      .filter((path: string) => !path.endsWith("/manifests/bot"))
      .map(moved);
    writeFileSync(join(dir, "kustomization.yaml"), stringify(kustomization));
    return renderKustomization(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the restore Jobs of a team's own overlay", () => {
  it("run the overlay's image in its namespace, for its stanza, from the CronJob the cluster holds", async () => {
    const cluster = new FakeCluster();
    // Each with the uid the API server gives every object (an owner is named by it).
    const objects = renderPayments().map((o) => ({
      ...o,
      metadata: { ...o.metadata, uid: `uid-${o.kind}-${o.metadata.name}` },
    }));
    await cluster.apply(objects);
    const job = await restoreJobFromCluster(cluster, "payments", {
      name: "mcpgov-backup-plan-p1-restore",
      target: "2026-11-24 14:30:00.000000+00",
      pins: { stanza: "payments", set: "20261124-013000F", repo: 1, timeline: 1 },
      annotations: { "mcpgov-backup/requested-by": "octocat" },
    });
    expect(job.kind).toBe("Job");
    expect(job.metadata.name).toBe("mcpgov-backup-plan-p1-restore");
    expect(job.metadata.namespace).toBe("payments");
    expect(job.metadata.labels?.["app.kubernetes.io/instance"]).toBe("payments");
    expect(job.metadata.annotations?.["mcpgov-backup/requested-by"]).toBe("octocat");
    // Owned by no template: deleting the CronJob cannot take a restore under way with it.
    expect(job.metadata).not.toHaveProperty("ownerReferences");
    const [container, ...others] = podSpecOf(job)?.containers ?? [];
    expect(others).toEqual([]);
    expect(container?.image).toBe(IMAGE);
    expect(container?.args).toEqual(
      expect.arrayContaining([
        "--stanza=payments",
        "--set=20261124-013000F",
        "--target-timeline=1",
        "--type=time",
        "restore",
      ]),
    );
    expect(container?.env?.find((e) => e.name === "RESTORE_TARGET")?.value).toBe(
      "2026-11-24 14:30:00.000000+00",
    );
    // The template's image is the overlay's too: nothing of the base's registry is left.
    expect(JSON.stringify(job)).not.toContain("ghcr.io/org/");
  });

  it("is refused, saying to deploy the overlay, where the cluster holds no template", async () => {
    await expect(
      restoreJobFromCluster(new FakeCluster(), "payments", {
        name: "mcpgov-backup-plan-p2-restore",
        annotations: {},
      }),
    ).rejects.toThrow(
      "CronJob pgbackrest-restore not found in payments: the restore Job is made from it; deploy the overlay (kubectl apply -k) first",
    );
  });
});
