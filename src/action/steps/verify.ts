// verify: what a healthy deployment has: the claims bound, the CronJobs with their
// schedules and not suspended, the configuration, WAL archiving succeeding, stanza ok.
import type { Cluster, KubeObject } from "../../core/cluster.ts";
import { psql } from "../../core/database.ts";
import { stanzaInfo } from "../../core/repository.ts";
import type { Step } from "./step.ts";

const CRONJOBS: Record<string, string> = {
  "pgbackrest-full-backup": "0 2 * * *",
  "pgbackrest-diff-backup": "0 */6 * * *",
  "pgbackrest-restore-validation": "0 3 * * 0",
};

/** The newest Job made from the CronJob's template (its labels), when it failed. */
async function latestRunFailed(
  cluster: Cluster,
  namespace: string,
  cron: KubeObject,
): Promise<string | undefined> {
  const labels = (cron.spec as { jobTemplate?: { metadata?: { labels?: Record<string, string> } } })
    .jobTemplate?.metadata?.labels;
  if (!labels) return undefined;
  const jobs = await cluster.list("Job", namespace, labels);
  const newest = jobs
    .sort((a, b) =>
      String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)),
    )
    .at(-1);
  const conditions =
    (newest?.status as { conditions?: { type: string; status: string }[] } | undefined)
      ?.conditions ?? [];
  return conditions.some((c) => c.type === "Failed" && c.status === "True")
    ? newest?.metadata.name
    : undefined;
}

export const verifyStep: Step = async ({ cluster, inputs }) => {
  const ns = inputs.namespace;
  const problems: string[] = [];
  for (const [name, schedule] of Object.entries(CRONJOBS)) {
    const cron = await cluster.get("CronJob", ns, name);
    const spec = cron?.spec as { schedule?: string; suspend?: boolean } | undefined;
    if (!cron) problems.push(`CronJob ${name} missing`);
    else if (spec?.schedule !== schedule)
      problems.push(`CronJob ${name} runs "${spec?.schedule}", expected "${schedule}"`);
    else if (spec.suspend) problems.push(`CronJob ${name} is suspended`);
    if (cron) {
      const failed = await latestRunFailed(cluster, ns, cron);
      if (failed) problems.push(`the latest run of CronJob ${name}, job/${failed}, failed`);
    }
  }
  for (const name of ["pgbackrest-config", "postgres-pgbackrest-config"]) {
    if (!(await cluster.get("ConfigMap", ns, name))) problems.push(`ConfigMap ${name} missing`);
  }
  for (const name of ["pgbackrest-repo", "postgres-data"]) {
    const claim = await cluster.get("PersistentVolumeClaim", ns, name);
    const phase = (claim?.status as { phase?: string } | undefined)?.phase;
    if (!claim) problems.push(`PersistentVolumeClaim ${name} missing`);
    else if (phase !== undefined && phase !== "Bound")
      problems.push(`PersistentVolumeClaim ${name} is ${phase}, not Bound`);
  }
  const target = { namespace: ns, pod: "postgres-0", container: "postgres", database: "postgres" };
  const [archived, failed] = (
    await psql(
      cluster,
      "select coalesce(last_archived_time::text, ''), coalesce(last_failed_time > coalesce(last_archived_time, 'epoch'), false) from pg_stat_archiver",
      target,
    )
  ).split("|");
  if (!archived)
    problems.push(
      "WAL archiving has not succeeded yet (pg_stat_archiver.last_archived_time is empty)",
    );
  if (failed === "t")
    problems.push(
      "WAL archiving is failing: the last archive_command failure is newer than the last success",
    );
  const stanza = await stanzaInfo(cluster, ns, inputs.stanza);
  // Right after deploy there is no backup yet: that is a state to report, not a fault.
  const noBackupYet = stanza.status.code === 2;
  if (stanza.status.code !== 0 && !noBackupYet)
    problems.push(`stanza ${inputs.stanza}: ${stanza.status.message}`);
  return problems.length === 0
    ? {
        ok: true,
        detail: `CronJobs, configuration, claims, WAL archiving (last ${archived}) and stanza ${inputs.stanza} ok${noBackupYet ? "; no backup yet" : ""}`,
      }
    : { ok: false, detail: problems.join("; ") };
};
