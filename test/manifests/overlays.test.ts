// Every shipped overlay (examples/) renders with the real kustomize and passes the offline
// checks on what it renders: schemas, references between objects, the pod policy. The
// Prometheus Operator's objects are checked by test/monitoring/ instead.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { loadManifestFile, type ManifestDoc } from "../../src/core/manifests/load.ts";
import { podLabelsOf, podSpecOf } from "../../src/core/manifests/pod.ts";
import { projectPath } from "../../src/core/paths.ts";
import { formatManifestProblem } from "../../src/manifest-checks/problem.ts";
import { verifyManifests } from "../../src/manifest-checks/verify.ts";
import { PROVIDED } from "./support.ts";

const RECOMMENDED = ["name", "instance", "component", "part-of", "version", "managed-by"].map(
  (label) => `app.kubernetes.io/${label}`,
);

/** The labels of a workload's pod template (a CronJob's is inside its Job template). */
function templateLabels(object: KubeObject): Record<string, string> {
  return podLabelsOf(object) ?? {};
}

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

/** The bot's image runs as uid 1000 (images/bot/Dockerfile; test/bot/deploy.test.ts). */
const BOT_UID = 1000;

const overlays = readdirSync(projectPath("examples"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** The Secrets made per cluster before an install: the TLS ones and the .example files' keys. */
const provided = {
  ...PROVIDED,
  // examples/adopt: the chart's own Secret, there before backups are added.
  "Secret/ledger-postgresql": ["postgres-password"],
  ...Object.fromEntries(
    [
      "manifests/postgres-secret.yaml.example",
      "manifests/s3/pgbackrest-s3-credentials-secret.yaml.example",
      "manifests/s3/pgbackrest-s3-writer-secret.yaml.example",
      "manifests/s3/pgbackrest-s3-reader-secret.yaml.example",
      "manifests/s3/pgbackrest-cipher-secret.yaml.example",
      "manifests/bot/bot-secret.yaml.example",
    ].flatMap((file) =>
      loadManifestFile(projectPath(file)).map((d) => {
        const secret = d.object as {
          metadata: { name: string };
          stringData?: object;
          data?: object;
        };
        return [
          `Secret/${secret.metadata.name}`,
          Object.keys({ ...secret.stringData, ...secret.data }),
        ];
      }),
    ),
  ),
};

describe("the shipped overlays", () => {
  it("are adopt, kind, new-team, production, second-database and two-teams", () => {
    expect(overlays).toEqual([
      "adopt",
      "kind",
      "new-team",
      "production",
      "second-database",
      "two-teams",
    ]);
  });

  it.each(overlays)("examples/%s renders and passes the offline checks", (overlay) => {
    const objects = renderKustomization(projectPath("examples", overlay));
    expect(objects.length).toBeGreaterThan(20);
    const docs: ManifestDoc[] = objects
      .filter((o) => !String(o.apiVersion).startsWith("monitoring.coreos.com/"))
      .map((object, index) => ({ file: `examples/${overlay} (rendered)`, index, object }));
    // The restore Jobs' templates are among them (manifests/restore/), one per database,
    // in its namespace: pods its network policies admit.
    const databases = objects.filter(
      (o) => o.kind === "ConfigMap" && o.metadata.name === "pgbackrest-config",
    );
    for (const name of ["pgbackrest-restore", "pgbackrest-restore-pitr"])
      expect(
        objects
          .filter((o) => o.kind === "CronJob" && o.metadata.name === name)
          .map((o) => o.metadata.namespace),
      ).toEqual(databases.map((o) => o.metadata.namespace));
    const problems = verifyManifests(docs, provided, {
      "Deployment/mcpgov-backup-bot": BOT_UID,
    });
    expect(problems.map(formatManifestProblem)).toEqual([]);
  });

  it.each(overlays)(
    "examples/%s labels every object and pod template as Kubernetes recommends",
    (overlay) => {
      const version = JSON.parse(readFileSync(projectPath("package.json"), "utf8")).version;
      const unlabelled: string[] = [];
      // What the overlay holds of its own is the user's to label (examples/adopt: a chart's).
      const own = readdirSync(projectPath("examples", overlay))
        .filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml")
        .flatMap((f) => loadManifestFile(projectPath("examples", overlay, f)))
        .map((d) => `${d.object.kind}/${(d.object.metadata as { name: string }).name}`);
      const ours = renderKustomization(projectPath("examples", overlay)).filter(
        (o) => !own.includes(`${o.kind}/${o.metadata.name}`),
      );
      for (const object of ours) {
        const spec = podSpecOf(object);
        const templates = spec ? [templateLabels(object)] : [];
        for (const labels of [object.metadata.labels ?? {}, ...templates]) {
          const missing = RECOMMENDED.filter((label) => !labels[label]);
          if (missing.length > 0)
            unlabelled.push(`${object.kind}/${object.metadata.name}: ${missing}`);
          if (labels["app.kubernetes.io/version"] !== version)
            unlabelled.push(`${object.kind}/${object.metadata.name}: version is not ${version}`);
        }
      }
      expect(unlabelled).toEqual([]);
    },
  );

  it("moves the bot's access with the database: a moved overlay puts its Role and parameters in its namespace, bound to the bot's own", () => {
    const objects = renderKustomization(projectPath("test/fixtures/manifests/bot-moved"));
    const bot = objects.filter((o) => o.metadata.name.startsWith("mcpgov-backup-bot"));
    // The bot itself (Deployment, Service, records) is manifests/bot, in its own namespace.
    expect(bot.map((o) => o.kind).sort()).toEqual(["PodTemplate", "Role", "RoleBinding"]);
    const moved = (objects.find((o) => o.kind === "Namespace") as Any).metadata.name;
    expect(new Set(bot.map((o) => o.metadata.namespace))).toEqual(new Set([moved]));
    const binding = bot.find((o) => o.kind === "RoleBinding") as Any;
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: "mcpgov-backup-bot", namespace: "mcpgov-backup-bot" },
    ]);
  });

  it("runs the bot in its own namespace, with its records there and no setting naming another", () => {
    const objects = renderKustomization(projectPath("manifests/bot"));
    expect(new Set(objects.map((o) => o.metadata.namespace ?? o.metadata.name))).toEqual(
      new Set(["mcpgov-backup-bot"]),
    );
    const deployment = objects.find((o) => o.kind === "Deployment") as Any;
    const env = deployment.spec.template.spec.containers[0].env as { name: string }[];
    expect(env.map((e) => e.name)).not.toContain("MCPGOV_RECORDS_NAMESPACE");
  });

  it("moves every object of the second database to its namespace, with its own stanza, claim and schedule", () => {
    const objects = renderKustomization(projectPath("examples", "second-database"));
    const namespaces = new Set(
      objects.filter((o) => o.kind !== "Namespace").map((o) => o.metadata.namespace),
    );
    expect(namespaces).toEqual(new Set(["ledger-db"]));
    // What it sets of its own, each in the overlay and nowhere else.
    const find = (kind: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.name === name) as Any;
    expect(find("ConfigMap", "pgbackrest-config").data.stanza).toBe("ledger");
    expect(find("PersistentVolumeClaim", "pgbackrest-repo").spec).toMatchObject({
      storageClassName: "standard",
      resources: { requests: { storage: "10Gi" } },
    });
    expect(find("CronJob", "pgbackrest-full-backup").spec.schedule).toBe("0 3 * * *");
  });
});
