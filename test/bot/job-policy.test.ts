// manifests/bot/bot-job-policy.yaml, the admission policy that holds the bot's Jobs to its
// templates: its CEL expressions evaluated against the very Jobs the bot makes (from the
// CronJobs and the restore template, as src/ builds them), which must pass, and against
// forged ones, which each validation must catch. The evaluator is a CEL implementation of
// its own (the policy uses only standard CEL: has, all, in, startsWith), not the API server.
import { parse as celParse } from "@marcbachmann/cel-js";
import { describe, expect, it } from "vitest";
import { backupJob } from "../../src/core/backup-job.ts";
import { cloneObjects, cloneRestoreJob } from "../../src/core/clone-objects.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { jobFromCronJob } from "../../src/core/jobs.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";
import { restoreJobFromCluster } from "../../src/core/restore-job.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";
import { baseObject } from "../support/base.ts";

const NS = "ai-governance";
const CLONE = {
  id: "x4",
  expiresAt: "2026-11-24T18:00:00Z",
  point: "2026-11-24 14:30:00.000000+00",
  image: "ghcr.io/org/mcpgov-backup-pgbackrest:15.19-2.55.1",
  storage: "20Gi",
};
const BOT = "system:serviceaccount:ai-governance:mcpgov-backup-bot";
// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

const manifest = (file: string) =>
  loadManifestFile(projectPath("manifests", file)).map((d) => d.object as Any);
const [policy] = manifest("bot/bot-job-policy.yaml");
const validations = (policy.spec.validations as { expression: string; message: string }[]).map(
  (v) => ({ ...v, evaluate: celParse(v.expression) }),
);
const matches = celParse(policy.spec.matchConditions[0].expression);

/** The messages of the validations the Job fails, for a request by the bot. */
function denied(job: KubeObject): string[] {
  const context = { object: job, request: { userInfo: { username: BOT } } };
  return validations.filter((v) => v.evaluate(context) !== true).map((v) => v.message);
}

/** The Jobs the bot creates: the backups, the validation and the pinned restores. */
async function botJobs(): Promise<KubeObject[]> {
  const cluster = new FakeCluster();
  const cronJobs = [
    baseObject("CronJob", "pgbackrest-full-backup"),
    baseObject("CronJob", "pgbackrest-diff-backup"),
    baseObject("CronJob", "pgbackrest-restore-validation"),
    baseObject("CronJob", "pgbackrest-restore"),
    baseObject("CronJob", "pgbackrest-restore-pitr"),
  ];
  await cluster.apply(cronJobs);
  const validation = jobFromCronJob(cronJobs[2] as Any, "pgbackrest-bot-x1-validate", {});
  return [
    await backupJob(cluster, NS, "full", "pgbackrest-bot-x1-full"),
    await backupJob(cluster, NS, "diff", "pgbackrest-bot-x2-diff"),
    await backupJob(cluster, NS, "incr", "pgbackrest-bot-x3-incr"),
    validation,
    await restoreJobFromCluster(cluster, NS, {
      name: "mcpgov-backup-plan-x4-restore",
      target: "2026-11-24 14:30:00.000000+00",
      pins: { stanza: "mcpgov", set: "20261124-010000F", repo: 1, timeline: 1 },
      annotations: {},
    }),
    await restoreJobFromCluster(cluster, NS, {
      name: "mcpgov-backup-plan-x5-restore",
      pins: { stanza: "mcpgov", set: "20261124-010000F", repo: 1 },
      annotations: {},
    }),
    cloneRestoreJob(cronJobs[2] as Any, CLONE, ["--latest"], {}),
    cloneObjects(CLONE).server,
  ];
}

describe("the admission policy of the bot's Jobs", () => {
  it("applies to requests by the bot's ServiceAccount in any namespace, not to anyone else's", () => {
    const by = (username: string) => matches({ request: { userInfo: { username } } });
    expect(by(BOT)).toBe(true);
    expect(by("system:serviceaccount:ledger-db:mcpgov-backup-bot")).toBe(true);
    expect(by("system:serviceaccount:ai-governance:pgbackrest-backup")).toBe(false);
    expect(by("system:serviceaccount:ai-governance:not-mcpgov-backup-bot")).toBe(false);
  });

  it("admits every Job the bot makes", async () => {
    const jobs = await botJobs();
    expect(jobs).toHaveLength(8);
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
    const forged = structuredClone(cloneObjects(CLONE).server) as Any;
    forge(forged.spec.template.spec);
    expect(denied(forged).join("\n")).toContain("a clone's server mounts no pgBackRest");
  });
});

describe("the admission policy of the bot's clone objects", () => {
  const [, , clonePolicy] = manifest("bot/bot-job-policy.yaml");
  const checks = (clonePolicy.spec.validations as { expression: string; message: string }[]).map(
    (v) => ({ ...v, evaluate: celParse(v.expression) }),
  );
  const refusals = (operation: string, object: Any, oldObject: Any = null) => {
    const context = { request: { operation, userInfo: { username: BOT } }, object, oldObject };
    return checks.filter((v) => v.evaluate(context) !== true).map((v) => v.message);
  };
  const { claim, service, policy: networkPolicy, server } = cloneObjects(CLONE);

  it("is the third document, for the bot only", () => {
    expect(clonePolicy.metadata.name).toBe("mcpgov-backup-bot-clones");
    const by = celParse(clonePolicy.spec.matchConditions[0].expression);
    expect(by({ request: { userInfo: { username: BOT } } })).toBe(true);
    expect(by({ request: { userInfo: { username: "system:serviceaccount:x:someone" } } })).toBe(
      false,
    );
  });

  it("admits what a clone is made of, and removing it", () => {
    for (const object of [claim, service, networkPolicy])
      expect([object.kind, refusals("CREATE", object)]).toEqual([object.kind, []]);
    for (const object of [claim, service, networkPolicy, server])
      expect([object.kind, refusals("DELETE", null, object)]).toEqual([object.kind, []]);
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
    const refused =
      operation === "DELETE" ? refusals("DELETE", null, object) : refusals("CREATE", object);
    expect(refused.join("\n")).toContain(message);
  });
});
