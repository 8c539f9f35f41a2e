// deploy orders what it runs itself: the objects may come in kustomize's order by kind
// (an overlay without sortOptions), and the stanza Job must still follow the pods it needs
// and precede the CronJobs that back it up.
import { describe, expect, it } from "vitest";
import { kubernetesObjects } from "../../src/action/manifests.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { deploy } from "../../src/core/operations/deploy.ts";
import { projectPath } from "../../src/core/paths.ts";
import { withoutProgress } from "../../src/core/progress.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { UserError } from "../../src/core/user-error.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";

describe("deploy", () => {
  it("applies the pods' objects, then runs the stanza Job, then applies the CronJobs, whatever the order given", async () => {
    const cluster = new FakeCluster();
    const steps: string[] = [];
    const apply = cluster.apply.bind(cluster);
    cluster.apply = async (objects: KubeObject[]) => {
      steps.push(`apply ${[...new Set(objects.map((o) => o.kind))].join(",")}`);
      return apply(objects);
    };
    const create = cluster.create.bind(cluster);
    cluster.create = async (object: KubeObject) => {
      steps.push(`create ${object.kind}`);
      return create(object);
    };
    // The base's objects with the CronJobs and the Job first, as a sort by kind may put them.
    const objects = kubernetesObjects(projectPath("manifests"));
    const shuffled = [...objects.filter((o) => o.kind.endsWith("Job")), ...objects];
    const unique = [...new Map(shuffled.map((o) => [`${o.kind}/${o.metadata.name}`, o])).values()];
    const result = await deploy(
      cluster,
      DEFAULT_SETTINGS,
      { objects: unique, timeoutMs: 1000 },
      withoutProgress,
    );
    expect(result.stanza).toBe("created");
    // (The fake's create applies what it creates: "apply Job" is the create's own.)
    const seen = steps.filter((step) => step !== "apply Job");
    expect(seen[0]).not.toMatch(/Job/);
    expect(seen.slice(1)).toEqual(["create Job", "apply CronJob"]);
  });
});

describe("deploy's namespace", () => {
  it("is never applied: an admin creates it with its Pod Security labels, so a deploy's credential needs no right on it", async () => {
    const cluster = new FakeCluster();
    const applied: string[] = [];
    const apply = cluster.apply.bind(cluster);
    cluster.apply = async (objects: KubeObject[]) => {
      applied.push(...objects.map((o) => o.kind));
      return apply(objects);
    };
    const objects = kubernetesObjects(projectPath("manifests"));
    expect(objects.map((o) => o.kind)).toContain("Namespace");
    const result = await deploy(
      cluster,
      DEFAULT_SETTINGS,
      { objects, timeoutMs: 1000 },
      withoutProgress,
    );
    expect(applied).not.toContain("Namespace");
    expect(applied.length).toBeGreaterThan(0);
    expect(result.applied).toBe(objects.length - 1);
  });

  it("leaves the admission policies' parameters to the admin, like the Namespace: the Action may not write them", async () => {
    const cluster = new FakeCluster();
    const applied: string[] = [];
    const apply = cluster.apply.bind(cluster);
    cluster.apply = async (objects: KubeObject[]) => {
      applied.push(...objects.map((o) => `${o.kind}/${o.metadata.name}`));
      return apply(objects);
    };
    const objects = kubernetesObjects(projectPath("examples", "kind"));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toContain(
      "PodTemplate/mcpgov-backup-action-jobs",
    );
    const result = await deploy(
      cluster,
      DEFAULT_SETTINGS,
      { objects, timeoutMs: 1000 },
      withoutProgress,
    );
    expect(applied.filter((o) => o.startsWith("PodTemplate/"))).toEqual([]);
    expect(applied).toContain("Role/mcpgov-backup-action");
    expect(result.applied).toBe(objects.length - 2);
  });

  it("missing, says who creates it and how, rather than the API's not-found", async () => {
    const cluster = new FakeCluster();
    cluster.apply = async () => {
      throw Object.assign(new Error('namespaces "ai-governance" not found'), { code: 404 });
    };
    const objects = kubernetesObjects(projectPath("manifests"));
    const deployed = deploy(
      cluster,
      DEFAULT_SETTINGS,
      { objects, timeoutMs: 1000 },
      withoutProgress,
    );
    await expect(deployed).rejects.toBeInstanceOf(UserError);
    await expect(deployed).rejects.toThrow(
      /namespace ai-governance does not exist: a cluster admin creates it, with its Pod Security labels, from the manifests' namespace.yaml/,
    );
  });
});
