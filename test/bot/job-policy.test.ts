// manifests/bot-policy, the admission policies that hold the bot's Jobs to its templates
// and its other objects to clones and records: their CEL expressions evaluated
// (test/support/admission.ts) against the very Jobs and objects the bot makes (from the
// CronJobs and the restore template, as src/ builds them), which must pass, and against
// forged ones, which each validation must catch.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";
import { botPolicies, policyMatches, refusals } from "../support/admission.ts";
import { baseObject } from "../support/base.ts";
import { BOT, botJobs, cloneOf } from "../support/bot-jobs.ts";

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

const manifest = (file: string) =>
  loadManifestFile(projectPath("manifests", file)).map((d) => d.object as Any);
const policy = botPolicies().get("mcpgov-backup-bot-jobs");
/** The base installation's parameters: the product's image as manifests/bot-target names it. */
const [params] = manifest("bot-target/bot-policy-params.yaml");

/** The messages of the validations the Job fails, for a request by the bot. */
function denied(job: KubeObject, with_ = params): string[] {
  return refusals(policy, { username: BOT, operation: "CREATE", object: job, params: with_ });
}

describe("the admission policy of the bot's Jobs", () => {
  it("applies to requests by the bot's ServiceAccount in any namespace, not to anyone else's", () => {
    const by = (username: string) => policyMatches(policy, username);
    expect(by(BOT)).toBe(true);
    expect(by("system:serviceaccount:ledger-db:mcpgov-backup-bot")).toBe(true);
    expect(by("system:serviceaccount:ai-governance:pgbackrest-backup")).toBe(false);
    expect(by("system:serviceaccount:ai-governance:not-mcpgov-backup-bot")).toBe(false);
  });

  it("denies every Job of a bot in a namespace without the installation's parameters", async () => {
    for (const job of await botJobs()) expect(denied(job, null)).not.toEqual([]);
  });

  it("takes the image from the installation's parameters, by tag or by digest", async () => {
    const digest = `registry.example/pg@sha256:${"a".repeat(64)}`;
    const pinned = structuredClone(params);
    // An overlay's `images:` rewrites every container of its parameters.
    for (const c of pinned.template.spec.containers) c.image = digest;
    const [restore] = (await botJobs()).slice(4) as Any[];
    expect(denied(restore, pinned).join("\n")).toContain("image");
    restore.spec.template.spec.containers[0].image = digest;
    expect(denied(restore, pinned)).toEqual([]);
    expect(denied(restore).join("\n")).toContain("image");
  });

  it("names in its parameters the command of every template the bot makes Jobs of, as the base has it", () => {
    const containerOf = (cronJob: string) =>
      (baseObject("CronJob", cronJob) as Any).spec.jobTemplate.spec.template.spec.containers[0];
    const templates: Record<string, string> = {
      backup: "pgbackrest-full-backup",
      "restore-validation": "pgbackrest-restore-validation",
      restore: "pgbackrest-restore",
      "restore-pitr": "pgbackrest-restore-pitr",
      info: "pgbackrest-info",
      clone: "mcpgov-clone",
    };
    const named = Object.fromEntries(params.template.spec.containers.map((c: Any) => [c.name, c]));
    for (const [name, cronJob] of Object.entries(templates)) {
      const template = containerOf(cronJob);
      expect([name, named[name]?.command]).toEqual([name, template.command]);
      if (name === "clone") {
        expect(named[name].args).toEqual(template.args);
        expect(named[name].readinessProbe.exec).toEqual(template.readinessProbe.exec);
      }
    }
  });

  it("admits every Job the bot makes", async () => {
    const jobs = await botJobs();
    expect(jobs).toHaveLength(9);
    for (const job of jobs)
      expect([job.metadata.name, denied(job)]).toEqual([job.metadata.name, []]);
  });

  type Forgery = [string, (spec: Any) => void, string];
  const forgeries: Forgery[] = [
    ["another service account", (s) => (s.serviceAccountName = "mcpgov-backup-bot"), "run as"],
    ["another image", (s) => (s.containers[0].image = "evil/tools:latest"), "image only"],
    [
      "a second container of another image",
      (s) => s.containers.push({ name: "x", image: "busybox:1" }),
      "image only",
    ],
    [
      "an init container",
      (s) => (s.initContainers = [{ name: "x", image: s.containers[0].image }]),
      "no init containers",
    ],
    [
      "the database password as a volume",
      (s) => s.volumes.push({ name: "x", secret: { secretName: "postgres-secret" } }),
      "mount only",
    ],
    [
      "the database password projected",
      (s) => s.volumes[0].projected.sources.push({ secret: { name: "postgres-secret" } }),
      "mount only",
    ],
    [
      "the repository's claim",
      (s) => s.volumes.push({ name: "x", persistentVolumeClaim: { claimName: "pgbackrest-repo" } }),
      "mount only",
    ],
    ["a host path", (s) => s.volumes.push({ name: "x", hostPath: { path: "/" } }), "mount only"],
    [
      "the database password in the environment",
      (s) =>
        s.containers[0].env.push({
          name: "X",
          valueFrom: { secretKeyRef: { name: "postgres-secret", key: "POSTGRES_PASSWORD" } },
        }),
      "from Secrets",
    ],
    [
      "a whole Secret as environment",
      (s) => s.containers[0].envFrom.push({ secretRef: { name: "postgres-secret" } }),
      "from Secrets",
    ],
    ["the host's network", (s) => (s.hostNetwork = true), "host namespace"],
    ["the host's processes", (s) => (s.hostPID = true), "host namespace"],
  ];

  it.each(forgeries)("refuses a Job with %s", async (_, forge, message) => {
    const restore = (await botJobs())[4] as Any;
    const forged = structuredClone(restore);
    forge(forged.spec.template.spec);
    expect(denied(forged).join("\n")).toContain(message);
  });
});

describe("a clone's server Job", () => {
  const forgeries: [string, (s: Any) => void][] = [
    [
      "the pgBackRest configuration",
      (s) => s.volumes.push({ name: "x", configMap: { name: "pgbackrest-config" } }),
    ],
    [
      "the client certificate",
      (s) =>
        s.volumes.push({
          name: "x",
          projected: { sources: [{ secret: { name: "pgbackrest-tls-client" } }] },
        }),
    ],
    [
      "production's claim",
      (s) => s.volumes.push({ name: "x", persistentVolumeClaim: { claimName: "postgres-data" } }),
    ],
    [
      "the cipher passphrase",
      (s) =>
        (s.containers[0].env = [
          {
            name: "X",
            valueFrom: { secretKeyRef: { name: "pgbackrest-cipher", key: "passphrase" } },
          },
        ]),
    ],
    [
      "the S3 settings",
      (s) => (s.containers[0].envFrom = [{ configMapRef: { name: "pgbackrest-s3" } }]),
    ],
  ];

  it.each(forgeries)("is refused with %s", (_, forge) => {
    const forged = structuredClone(cloneOf().server) as Any;
    forge(forged.spec.template.spec);
    expect(denied(forged).join("\n")).toContain("a clone's server mounts no pgBackRest");
  });
});

describe("the admission policy of the bot's other objects", () => {
  const objectPolicy = botPolicies().get("mcpgov-backup-bot-objects");
  const refused = (operation: "CREATE" | "UPDATE" | "DELETE", object: Any, oldObject: Any = null) =>
    refusals(objectPolicy, { username: BOT, operation, object, oldObject });
  const { claim, service, policy: networkPolicy, server } = cloneOf();

  it("is for the bot only", () => {
    expect(policyMatches(objectPolicy, BOT)).toBe(true);
    expect(policyMatches(objectPolicy, "system:serviceaccount:x:someone")).toBe(false);
  });

  it("lets the bot write and remove its records, and no other ConfigMap", () => {
    const record = (name: string, component: string) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name,
        labels: {
          "app.kubernetes.io/part-of": "mcpgov-backup",
          "app.kubernetes.io/component": component,
        },
      },
      data: { "operation.json": "{}" },
    });
    const operation = record("mcpgov-bot-op-12", "bot-operation");
    const plan = record("mcpgov-backup-plan-ab12", "plan");
    for (const mine of [operation, plan]) {
      expect(refused("CREATE", mine)).toEqual([]);
      expect(refused("UPDATE", mine, mine)).toEqual([]);
      expect(refused("DELETE", null, mine)).toEqual([]);
    }
    const config = baseObject("ConfigMap", "pgbackrest-config");
    const script = "the bot writes and removes only its own records";
    expect(refused("UPDATE", config, config).join("\n")).toContain(script);
    expect(refused("DELETE", null, config).join("\n")).toContain(script);
    // Relabelled as a record, production's configuration is still not one by name...
    const disguised = { ...config, metadata: { ...operation.metadata, name: "pgbackrest-config" } };
    expect(refused("UPDATE", disguised, config).join("\n")).toContain(script);
    // ...and a record cannot be turned into something else, nor made unlabelled.
    expect(
      refused(
        "UPDATE",
        { ...operation, metadata: { name: operation.metadata.name } },
        operation,
      ).join("\n"),
    ).toContain(script);
    expect(refused("CREATE", record("postgres-config", "plan")).join("\n")).toContain(script);
  });

  it("lets the bot remove the Jobs that read pgbackrest info, and no other Job", async () => {
    const info = (await botJobs())[8] as Any;
    expect(refused("DELETE", null, info)).toEqual([]);
    // A backup Job named like one is still a backup's.
    const full = (await botJobs())[0] as Any;
    full.metadata.name = "pgbackrest-info-x1";
    expect(refused("DELETE", null, full).join("\n")).toContain("a clone's objects only");
    // ...and labelled like one too: it still runs as the backups' ServiceAccount.
    full.metadata.labels = { ...info.metadata.labels };
    expect(refused("DELETE", null, full).join("\n")).toContain("a clone's objects only");
  });

  it("admits what a clone is made of, and removing it", () => {
    for (const object of [claim, service, networkPolicy])
      expect([object.kind, refused("CREATE", object)]).toEqual([object.kind, []]);
    for (const object of [claim, service, networkPolicy, server])
      expect([object.kind, refused("DELETE", null, object)]).toEqual([object.kind, []]);
  });

  const forged: [string, string, Any, string][] = [
    [
      "removing production's claim",
      "DELETE",
      baseObject("PersistentVolumeClaim", "postgres-data"),
      "a clone's objects only",
    ],
    [
      "removing a backup Job",
      "DELETE",
      { kind: "Job", metadata: { name: "pgbackrest-bot-x1-full", labels: { app: "pgbackrest" } } },
      "a clone's objects only",
    ],
    [
      "a claim of another name",
      "CREATE",
      { ...structuredClone(claim), metadata: { ...claim.metadata, name: "postgres-data-2" } },
      "a clone's objects only",
    ],
    [
      "a claim copied from production's",
      "CREATE",
      {
        ...structuredClone(claim),
        spec: {
          ...(claim.spec as Any),
          dataSource: { kind: "PersistentVolumeClaim", name: "postgres-data" },
        },
      },
      "starts empty",
    ],
    [
      "a LoadBalancer",
      "CREATE",
      { ...structuredClone(service), spec: { ...(service.spec as Any), type: "LoadBalancer" } },
      "ClusterIP",
    ],
    [
      "a Service in front of production",
      "CREATE",
      {
        ...structuredClone(service),
        spec: { ...(service.spec as Any), selector: { app: "postgres" } },
      },
      "selects the clone's pod only",
    ],
    [
      "a policy opening production",
      "CREATE",
      {
        ...structuredClone(networkPolicy),
        spec: { ...(networkPolicy.spec as Any), podSelector: { matchLabels: { app: "postgres" } } },
      },
      "selects the clone's pod only",
    ],
  ];

  it.each(forged)("refuses %s", (_, operation, object, message) => {
    const why =
      operation === "DELETE" ? refused("DELETE", null, object) : refused("CREATE", object);
    expect(why.join("\n")).toContain(message);
  });
});
