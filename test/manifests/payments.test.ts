// A stranger's overlay (test/fixtures/overlays/payments): a platform team's, written from
// examples/README.md's list of knobs alone, with every default changed and the s3,
// monitoring, bot and Action components. Its render must carry nothing of the defaults, and
// what the bot and the Action build at run time from it must run its image and pass the
// cluster's policies.
import { describe, expect, it } from "vitest";
import { backupJob } from "../../src/core/backup-job.ts";
import { cloneObjects, cloneRestoreJob } from "../../src/core/clone-objects.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { jobFromCronJob } from "../../src/core/jobs.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { podSpecOf } from "../../src/core/manifests/pod.ts";
import { projectPath } from "../../src/core/paths.ts";
import { restoreJobFromCluster } from "../../src/core/restore-job.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";
import { formatManifestProblem } from "../../src/manifest-checks/problem.ts";
import { verifyManifests } from "../../src/manifest-checks/verify.ts";
import { actionPolicies, botPolicies, refusals } from "../support/admission.ts";
import { PROVIDED } from "./support.ts";

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

const NS = "payments";
const PGBACKREST_IMAGE = "registry.payments.example/platform/pgbackrest:15.19-2.55.1-p1";
const BOT_IMAGE = "registry.payments.example/platform/mcpgov-backup-bot:0.1.0-p1";
const objects = renderKustomization(projectPath("test/fixtures/overlays/payments"));
const find = (kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) as Any;

/** Every string in an object, with where it is. */
function strings(value: unknown, path = ""): [string, string][] {
  if (typeof value === "string") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => strings(v, `${path}.${k}`));
  return [];
}

const where = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;

/** Every container of an object, at any depth (pod templates, CronJobs, PodTemplates). */
function images(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(images);
  if (!value || typeof value !== "object") return [];
  const object = value as Record<string, unknown>;
  const own = ["containers", "initContainers"].flatMap((key) =>
    Array.isArray(object[key]) ? (object[key] as { image: string }[]).map((c) => c.image) : [],
  );
  return [...own, ...Object.values(object).flatMap(images)];
}

describe("a stranger's overlay (payments)", () => {
  it("renders, all of it in its namespace", () => {
    expect(objects.length).toBeGreaterThan(40);
    const namespaced = objects.filter((o) => o.kind !== "Namespace");
    expect(new Set(namespaced.map((o) => o.metadata.namespace))).toEqual(new Set([NS]));
    expect(objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name)).toEqual([NS]);
  });

  it("passes the offline checks, the one that no two backups of its stanza fail on each other's lock among them", () => {
    const docs = objects
      .filter((o) => !String(o.apiVersion).startsWith("monitoring.coreos.com/"))
      .map((object, index) => ({ file: "payments (rendered)", index, object }));
    const provided = {
      ...PROVIDED,
      "Secret/postgres-secret": ["POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"],
      "Secret/pgbackrest-s3-credentials": ["s3-key", "s3-key-secret"],
      "Secret/pgbackrest-s3-writer": ["s3-key", "s3-key-secret"],
      "Secret/pgbackrest-s3-reader": ["s3-key", "s3-key-secret"],
      "Secret/pgbackrest-cipher": ["passphrase"],
      "Secret/mcpgov-backup-bot": ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"],
    };
    const problems = verifyManifests(docs, provided, { "Deployment/mcpgov-backup-bot": 1000 });
    expect(problems.map(formatManifestProblem)).toEqual([]);
    // Repository 1's full and differential, and repository 2's: four that could meet.
    const backups = objects.filter(
      (o) => o.kind === "CronJob" && /-(full|diff)-backup/.test(o.metadata.name),
    );
    expect(backups.map((o) => o.metadata.name).sort()).toEqual([
      "pgbackrest-diff-backup",
      "pgbackrest-diff-backup-s3",
      "pgbackrest-full-backup",
      "pgbackrest-full-backup-s3",
    ]);
    const schedules = backups.map((o) => (o as Any).spec.schedule);
    expect(schedules).toContain("30 1 * * *");
    expect(new Set(schedules).size).toBe(4);
  });

  it("names neither the base's namespace nor the default registry anywhere", () => {
    const found = objects.flatMap((o) =>
      strings(o)
        .filter(([, text]) => text.includes("ai-governance") || text.includes("ghcr.io/org/"))
        .map(([path]) => `${where(o)}${path}`),
    );
    expect(found).toEqual([]);
  });

  it("keeps the base's stanza, instance and bucket path out of what it installs", () => {
    expect(find("ConfigMap", "pgbackrest-config").data.stanza).toBe(NS);
    const instances = new Set(
      objects.flatMap((o) => [
        o.metadata.labels?.["app.kubernetes.io/instance"],
        podSpecOf(o)
          ? (o as Any).spec?.template?.metadata?.labels?.["app.kubernetes.io/instance"]
          : undefined,
      ]),
    );
    instances.delete(undefined);
    expect(instances).toEqual(new Set([NS]));
    const s3 = find("ConfigMap", "pgbackrest-s3").data;
    expect(s3.PGBACKREST_REPO2_S3_BUCKET).toBe("payments-backups");
    expect(s3.PGBACKREST_REPO2_PATH ?? "").not.toContain("mcpgov");
    // The validation's default assertions hold for a database of any name.
    const assertions = String(
      find("ConfigMap", "pgbackrest-config").data["validation-assertions.tsv"] ?? "",
    );
    expect(assertions).not.toMatch(/mcpgov/);
  });

  it("runs its own images in every container and every template", () => {
    const all = objects.flatMap((o) => images(o).map((image) => `${where(o)} ${image}`));
    expect(all.length).toBeGreaterThan(10);
    expect(
      all.filter((line) => !line.endsWith(PGBACKREST_IMAGE) && !line.endsWith(BOT_IMAGE)),
    ).toEqual([]);
    // The bot itself runs apart, in its own namespace (manifests/bot), from its own overlay.
    expect(
      objects.filter((o) => o.kind === "Deployment" && o.metadata.name === "mcpgov-backup-bot"),
    ).toEqual([]);
    // One container per template the bot makes Jobs of, each the overlay's image.
    expect(new Set(images(find("PodTemplate", "mcpgov-backup-bot-jobs")))).toEqual(
      new Set([PGBACKREST_IMAGE]),
    );
    expect(images(find("PodTemplate", "mcpgov-backup-action-jobs"))).toEqual([PGBACKREST_IMAGE]);
  });

  it("has no cluster-wide object of its own, so a second installation overwrites nothing", () => {
    const production = renderKustomization(projectPath("examples/production"));
    const clusterWide = [...objects, ...production].filter((o) =>
      ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ClusterRole"].includes(
        String(o.kind),
      ),
    );
    expect(clusterWide.map(where)).toEqual([]);
    const ids = (list: KubeObject[]) =>
      new Set(
        list
          .filter((o) => o.kind !== "Namespace")
          .map((o) => `${o.metadata.namespace}/${where(o)}`),
      );
    const shared = [...ids(objects)].filter((id) => ids(production).has(id));
    expect(shared).toEqual([]);
  });

  const clone = {
    id: "p1",
    expiresAt: "2026-12-07T18:00:00Z",
    point: "2026-12-07 14:30:00.000000+00",
    image: images(find("StatefulSet", "postgres"))[0] as string,
    storage: "20Gi",
  };

  /** The render applied to a cluster, as `kubectl apply -k` leaves it. */
  async function applied(): Promise<FakeCluster> {
    const cluster = new FakeCluster();
    await cluster.apply(objects.filter((o) => o.kind !== "Namespace"));
    return cluster;
  }

  it("makes a clone from its own mcpgov-clone CronJob: the server and every object beside it carry its labels", async () => {
    const cluster = await applied();
    const template = await cluster.get("CronJob", NS, "mcpgov-clone");
    expect(template?.spec).toMatchObject({ suspend: true });
    const made = cloneObjects(clone, template as KubeObject);
    const instances = [made.server, made.claim, made.service, made.policy].map((o) => [
      where(o),
      o.metadata.labels?.["app.kubernetes.io/instance"],
      o.metadata.labels?.["mcpgov-backup/clone"],
    ]);
    expect(instances).toEqual(
      ["Job", "PersistentVolumeClaim", "Service", "NetworkPolicy"].map((kind) => [
        `${kind}/mcpgov-clone-p1`,
        NS,
        "p1",
      ]),
    );
    const pod = (made.server as Any).spec.template;
    expect(pod.metadata.labels["app.kubernetes.io/instance"]).toBe(NS);
    expect(images(made.server)).toEqual([PGBACKREST_IMAGE]);
    // The Job that restores its data, from the overlay's validation CronJob, keeps its label too.
    const validation = find("CronJob", "pgbackrest-restore-validation");
    const restore = cloneRestoreJob(validation, clone, ["--latest"], {});
    expect(restore.metadata.labels).toMatchObject({
      "app.kubernetes.io/instance": NS,
      "app.kubernetes.io/component": "clone",
      "mcpgov-backup/clone": "p1",
    });
    // Not a pgBackRest Job a production restore waits for.
    expect(restore.metadata.labels).not.toHaveProperty("app");
  });

  it("has every Job the bot builds from it admitted by the cluster's policy, with its parameters", async () => {
    const cluster = await applied();
    const validation = find("CronJob", "pgbackrest-restore-validation");
    const jobs = [
      await backupJob(cluster, NS, "full", "pgbackrest-bot-p1-full"),
      await backupJob(cluster, NS, "diff", "pgbackrest-bot-p2-diff"),
      await backupJob(cluster, NS, "incr", "pgbackrest-bot-p3-incr"),
      jobFromCronJob(validation, "pgbackrest-bot-p4-validate", {}),
      cloneRestoreJob(validation, clone, ["--latest"], {}),
      // The clone's server, from the overlay's template as the cluster holds it.
      cloneObjects(clone, (await cluster.get("CronJob", NS, "mcpgov-clone")) as KubeObject).server,
      // The restores, to a point and to the newest state, from the overlay's templates.
      await restoreJobFromCluster(cluster, NS, {
        name: "pgbackrest-bot-p5-restore",
        target: "2026-12-07 14:30:00.000000+00",
        pins: { stanza: NS, set: "20261207-013000F", repo: 1, timeline: 1 },
        annotations: {},
      }),
      await restoreJobFromCluster(cluster, NS, {
        name: "pgbackrest-bot-p6-restore",
        pins: { stanza: NS, set: "20261207-013000F", repo: 1 },
        annotations: {},
      }),
    ];
    const policy = botPolicies().get("mcpgov-backup-bot-jobs");
    const params = find("PodTemplate", "mcpgov-backup-bot-jobs");
    const username = `system:serviceaccount:${NS}:mcpgov-backup-bot`;
    for (const job of jobs) {
      expect(images(job).every((image) => image === PGBACKREST_IMAGE)).toBe(true);
      const refused = refusals(policy, { username, operation: "CREATE", object: job, params });
      expect([job.metadata.name, refused]).toEqual([job.metadata.name, []]);
    }
  });

  it("has every Job the Action makes from it admitted by the Action's policy, with its parameters, and the default registry's refused", async () => {
    const cluster = await applied();
    const validation = find("CronJob", "pgbackrest-restore-validation");
    const jobs = [
      find("Job", "pgbackrest-stanza-create"),
      await backupJob(cluster, NS, "full", "pgbackrest-action-full-20261207143000"),
      jobFromCronJob(validation, "pgbackrest-action-validate-20261207143000", {}),
      cloneRestoreJob(validation, clone, ["--latest"], {}),
      cloneObjects(clone, (await cluster.get("CronJob", NS, "mcpgov-clone")) as KubeObject).server,
    ];
    const policy = actionPolicies().get("mcpgov-backup-action-jobs");
    const params = find("PodTemplate", "mcpgov-backup-action-jobs");
    const username = `system:serviceaccount:${NS}:mcpgov-backup-action`;
    for (const job of jobs) {
      expect(images(job).every((image) => image === PGBACKREST_IMAGE)).toBe(true);
      const refused = refusals(policy, { username, operation: "CREATE", object: job, params });
      expect([job.metadata.name, refused]).toEqual([job.metadata.name, []]);
    }
    // The product's default image is not this installation's.
    const stray: Any = structuredClone(jobs[1]);
    stray.spec.template.spec.containers[0].image =
      "ghcr.io/org/mcpgov-backup-pgbackrest:15.19-2.55.1";
    const refused = refusals(policy, { username, operation: "CREATE", object: stray, params });
    expect(refused.join("\n")).toContain("installation's image");
  });
});
