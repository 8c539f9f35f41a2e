// The Jobs and objects the bot makes in the base installation, as src/ builds them from the
// CronJobs and templates the cluster holds: what the admission policies must admit, and
// what test/bot's forgeries start from.
import { backupJob } from "../../src/core/backup-job.ts";
import { cloneObjects, cloneRestoreJob } from "../../src/core/clone-objects.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { jobFromCronJob } from "../../src/core/jobs.ts";
import { infoJob } from "../../src/core/repository.ts";
import { restoreJobFromCluster } from "../../src/core/restore-job.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";
import { baseObject } from "./base.ts";

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

export const NS = "ai-governance";
/** The bot as the API server names it: its ServiceAccount, in its own namespace (manifests/bot). */
export const BOT = "system:serviceaccount:mcpgov-backup-bot:mcpgov-backup-bot";
export const CLONE = {
  id: "x4",
  expiresAt: "2026-11-24T18:00:00Z",
  point: "2026-11-24 14:30:00.000000+00",
  image: "ghcr.io/org/mcpgov-backup-pgbackrest:15.19-2.55.1",
  storage: "20Gi",
};

/** A clone's objects, its server from the base's template (manifests/clone/) as deployed. */
export const cloneOf = () => cloneObjects(CLONE, baseObject("CronJob", "mcpgov-clone"));

/**
 * The Jobs the bot creates: the backups (full, diff, incr), the validation, the pinned
 * restores (to a point, to the newest state), a clone's restore, a clone's server and the
 * Job that reads pgbackrest info.
 */
export async function botJobs(): Promise<KubeObject[]> {
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
    cloneOf().server,
    infoJob(baseObject("CronJob", "pgbackrest-info")),
  ];
}
