// verify: what a healthy deployment has, checked against the manifests it was deployed
// from: every CronJob there with the manifests' schedule and not suspended, its latest run
// not failed (a template the manifests suspend, suspended); every ConfigMap and claim there, the claims bound; WAL archiving succeeding;
// the stanza readable. The result lists what is wrong, in words a person can act on.
import type { Cluster, KubeObject } from "../cluster.ts";
import { archiverStatus, archivingFailing, productionDatabase } from "../database.ts";
import { jobEnding } from "../jobs.ts";
import { jobTemplateOf } from "../manifests/pod.ts";
import type { Progress } from "../progress.ts";
import { stanzaInfo } from "../repository.ts";
import type { Settings } from "../settings.ts";

export interface VerifyResult {
  problems: string[];
  /** When WAL was last archived (ISO-8601 UTC), or "" when never. */
  lastArchived: string;
  /** Right after a deploy there is no backup yet: a state to report, not a fault. */
  noBackupYet: boolean;
}

/** The newest Job made from the CronJob's template (its labels), when it failed. */
async function latestRunFailed(
  cluster: Cluster,
  namespace: string,
  cron: KubeObject,
): Promise<string | undefined> {
  const labels = jobTemplateOf(cron)?.metadata?.labels;
  if (!labels) return undefined;
  const jobs = await cluster.list("Job", namespace, labels);
  const newest = jobs
    .sort((a, b) =>
      String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)),
    )
    .at(-1);
  return newest && jobEnding(newest) === "Failed" ? newest.metadata.name : undefined;
}

type Check = (cluster: Cluster, namespace: string, wanted: KubeObject) => Promise<string[]>;

/** What is wrong with one object of the manifests as the cluster has it, by kind. */
const CHECKS: Record<string, Check> = {
  CronJob: async (cluster, namespace, wanted) => {
    const name = wanted.metadata.name;
    const schedule = (wanted.spec as { schedule?: string }).schedule;
    const cron = await cluster.get("CronJob", namespace, name);
    if (!cron) return [`CronJob ${name} missing`];
    const spec = cron.spec as { schedule?: string; suspend?: boolean } | undefined;
    // A template the manifests suspend (manifests/restore/) never fires: suspended is its
    // state, and its Jobs are a restore's, whose failure its runner has seen and reported.
    if ((wanted.spec as { suspend?: boolean }).suspend === true)
      return spec?.suspend === true
        ? []
        : [`CronJob ${name} is not suspended: it is a template and must never fire`];
    const problems: string[] = [];
    if (spec?.schedule !== schedule)
      problems.push(`CronJob ${name} runs "${spec?.schedule}", expected "${schedule}"`);
    else if (spec?.suspend) problems.push(`CronJob ${name} is suspended`);
    const failed = await latestRunFailed(cluster, namespace, cron);
    if (failed) problems.push(`the latest run of CronJob ${name}, job/${failed}, failed`);
    return problems;
  },
  ConfigMap: async (cluster, namespace, wanted) =>
    (await cluster.get("ConfigMap", namespace, wanted.metadata.name))
      ? []
      : [`ConfigMap ${wanted.metadata.name} missing`],
  PersistentVolumeClaim: async (cluster, namespace, wanted) => {
    const name = wanted.metadata.name;
    const claim = await cluster.get("PersistentVolumeClaim", namespace, name);
    const phase = (claim?.status as { phase?: string } | undefined)?.phase;
    if (!claim) return [`PersistentVolumeClaim ${name} missing`];
    return phase !== undefined && phase !== "Bound"
      ? [`PersistentVolumeClaim ${name} is ${phase}, not Bound`]
      : [];
  },
};

export async function verifyDeployment(
  cluster: Cluster,
  settings: Settings,
  request: { objects: KubeObject[] },
  progress: Progress,
): Promise<VerifyResult> {
  const { namespace, stanza: name } = settings;
  const problems = await progress(
    "check the CronJobs, the configuration and the claims",
    async () => {
      const found: string[] = [];
      for (const wanted of request.objects) {
        const check = CHECKS[wanted.kind];
        if (check) found.push(...(await check(cluster, namespace, wanted)));
      }
      return found;
    },
  );
  // What cannot be read is a problem like the others: a deployment that is not there says
  // what is missing, not a stack trace.
  const archiver = await progress("check WAL archiving (pg_stat_archiver)", () =>
    archiverStatus(cluster, productionDatabase(settings)).catch((error: Error) => {
      problems.push(`WAL archiving could not be read: ${error.message}`);
      return undefined;
    }),
  );
  if (archiver && !archiver.lastArchivedTime)
    problems.push(
      "WAL archiving has not succeeded yet (pg_stat_archiver.last_archived_time is empty)",
    );
  if (archiver && archivingFailing(archiver))
    problems.push(
      "WAL archiving is failing: the last archive_command failure is newer than the last success",
    );
  const stanza = await progress("read the repository (pgbackrest info)", () =>
    stanzaInfo(cluster, namespace, name).catch((error: Error) => {
      problems.push(`the repository could not be read: ${error.message}`);
      return undefined;
    }),
  );
  const noBackupYet = stanza?.status.code === 2;
  if (stanza && stanza.status.code !== 0 && !noBackupYet)
    problems.push(`stanza ${name}: ${stanza.status.message}`);
  return { problems, lastArchived: archiver?.lastArchivedTime ?? "", noBackupYet };
}
