// manifests/bot/bot-job-policy.yaml, the admission policy that holds the bot's Jobs to its
// templates: its CEL expressions evaluated against the very Jobs the bot makes (from the
// CronJobs and the restore template, as src/ builds them), which must pass, and against
// forged ones, which each validation must catch. The evaluator is a CEL implementation of
// its own (the policy uses only standard CEL: has, all, in, startsWith), not the API server.
import { parse as celParse } from "@marcbachmann/cel-js";
import { describe, expect, it } from "vitest";
import { backupJob } from "../../src/core/backup.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { jobFromCronJob } from "../../src/core/jobs.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";
import { restoreJobFor } from "../../src/core/restore.ts";
import { baseObject } from "../support/base.ts";
import { FakeCluster } from "./fake-cluster.ts";

const NS = "ai-governance";
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
  ];
  await cluster.apply(cronJobs);
  const validation = jobFromCronJob(cronJobs[2] as Any, "pgbackrest-bot-x1-validate", {});
  const [restore] = manifest("restore/pgbackrest-restore-pitr-job.yaml");
  const [latest] = manifest("restore/pgbackrest-restore-job.yaml");
  return [
    await backupJob(cluster, NS, "full", "pgbackrest-bot-x1-full"),
    await backupJob(cluster, NS, "diff", "pgbackrest-bot-x2-diff"),
    await backupJob(cluster, NS, "incr", "pgbackrest-bot-x3-incr"),
    validation,
    restoreJobFor(restore, "2026-11-24 14:30:00.000000+00", {
      stanza: "mcpgov",
      set: "20261124-010000F",
      repo: 1,
      timeline: 1,
    }),
    restoreJobFor(latest, undefined, { stanza: "mcpgov", set: "20261124-010000F", repo: 1 }),
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
    expect(jobs).toHaveLength(6);
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
