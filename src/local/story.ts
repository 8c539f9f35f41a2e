// The story `npm run demo` tells, on the local cluster runner with real PostgreSQL and
// pgBackRest: verify and deploy the manifests, back up, validate the backups the way the
// weekly CronJob does, make a mistake (a dropped table) and undo it with the seed's
// point-in-time restore.
import type { Cluster, JobResult, KubeObject } from "../core/cluster.ts";
import { loadManifestFile } from "../core/manifests/load.ts";
import { formatManifestProblem } from "../core/manifests/problem.ts";
import { verifyManifests } from "../core/manifests/verify.ts";
import { findStanza, parseInfo, type StanzaInfo } from "../core/pgbackrest/info.ts";
import { deployDatabase, manifestObjects, restoreJobObjects } from "./deploy.ts";
import { LocalCluster } from "./runner/local-cluster.ts";
import { type Step, Steps } from "./steps.ts";

const NS = "ai-governance";
const root = new URL("../..", import.meta.url).pathname;

export interface StoryResult {
  steps: Step[];
  stanza: StanzaInfo;
  validation: JobResult;
  policiesBefore: number;
  policiesAfterMistake: boolean;
  policiesRestored: number;
  target: string;
}

export interface StoryOptions {
  log?: (line: string) => void;
  signal?: AbortSignal;
}

async function psql(cluster: Cluster, query: string): Promise<string> {
  const result = await cluster.exec(NS, "postgres-0", "postgres", [
    "psql",
    "-U",
    "postgres",
    "-d",
    "mcpgov",
    "-v",
    "ON_ERROR_STOP=1",
    "-Atqc",
    query,
  ]);
  if (result.code !== 0) throw new Error(`psql: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

async function runJob(
  cluster: Cluster,
  job: KubeObject,
): Promise<{ result: JobResult; logs: string }> {
  await cluster.createJob(job);
  const result = await cluster.waitForJob(NS, job.metadata.name, 600_000);
  return { result, logs: await cluster.logs(NS, `job/${job.metadata.name}`) };
}

/** kubectl create job --from=cronjob/CRONJOB NAME, then its outcome and log. */
async function runCronJob(
  cluster: Cluster,
  cronJob: string,
  name: string,
): Promise<{ result: JobResult; logs: string }> {
  await cluster.createJobFromCronJob(NS, cronJob, name);
  const result = await cluster.waitForJob(NS, name, 600_000);
  return { result, logs: await cluster.logs(NS, `job/${name}`) };
}

function requireComplete(what: string, run: { result: JobResult; logs: string }): void {
  if (run.result.outcome !== "Complete") {
    throw new Error(
      `${what} failed (${run.result.reason ?? "no reason given"}); its log ends:\n${run.logs.trimEnd().split("\n").slice(-15).join("\n")}`,
    );
  }
}

async function waitWritable(cluster: Cluster, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await psql(cluster, "select pg_is_in_recovery()").catch(() => "")) !== "f") {
    if (Date.now() > deadline)
      throw new Error(`PostgreSQL did not finish recovery within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Closes the current WAL segment and waits until archive_command has pushed it. */
async function archiveNow(cluster: Cluster): Promise<void> {
  const segment = await psql(cluster, "select pg_walfile_name(pg_switch_wal())");
  const deadline = Date.now() + 60_000;
  while (
    (await psql(cluster, "select coalesce(last_archived_wal, '') from pg_stat_archiver")) < segment
  ) {
    if (Date.now() > deadline)
      throw new Error(
        `WAL segment ${segment} was not archived within 60s; see the postgres container's log`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function runStory(options: StoryOptions = {}): Promise<StoryResult> {
  const log = options.log ?? (() => {});
  const steps = new Steps(log, options.signal);
  const objects = await steps.run(
    "verify manifests/ offline (Kubernetes 1.34 schemas, references, policy)",
    async () => {
      const applied = manifestObjects();
      const docs = [...applied, ...restoreJobObjects()].map((object, index) => ({
        file: "manifests/",
        index,
        object,
      }));
      const problems = verifyManifests(docs);
      if (problems.length > 0)
        throw new Error(
          `manifests/ has problems:\n${problems.map(formatManifestProblem).join("\n")}`,
        );
      log(`  ${docs.length} objects valid`);
      return applied;
    },
  );
  const cluster = await LocalCluster.start({ log: (line) => log(`  runner: ${line}`) });
  try {
    await steps.run(
      "deploy to the local cluster; wait for PostgreSQL and the repository host",
      () => deployDatabase(cluster, objects, 180_000),
    );
    await steps.run("Job pgbackrest-stanza-create (stanza-create, check)", async () => {
      await cluster.apply(objects.filter((o) => o.kind === "Job"));
      const result = await cluster.waitForJob(NS, "pgbackrest-stanza-create", 300_000);
      requireComplete("the stanza-create Job", {
        result,
        logs: await cluster.logs(NS, "job/pgbackrest-stanza-create"),
      });
      await cluster.apply(objects.filter((o) => o.kind === "CronJob"));
    });
    const policiesBefore = await steps.run("write sample governance data", async () => {
      await psql(
        cluster,
        `create table governance_policies (id bigint primary key, name text not null, rules jsonb not null, updated_at timestamptz not null default now());
         insert into governance_policies (id, name, rules)
           select n, 'policy-' || n, jsonb_build_object('max_tokens', n * 10, 'reviewers', n % 5) from generate_series(1, 20000) n;
         create table audit_events (id bigserial primary key, policy_id bigint, event text, at timestamptz default now());
         insert into audit_events (policy_id, event) select n % 20000 + 1, 'evaluated' from generate_series(1, 50000) n;`,
      );
      return Number(await psql(cluster, "select count(*) from governance_policies"));
    });
    await steps.run("full backup (from CronJob pgbackrest-full-backup)", async () =>
      requireComplete(
        "the full backup",
        await runCronJob(cluster, "pgbackrest-full-backup", "pgbackrest-demo-full"),
      ),
    );
    await steps.run(
      "more writes, then a differential backup (from CronJob pgbackrest-diff-backup)",
      async () => {
        await psql(
          cluster,
          "insert into audit_events (policy_id, event) select n % 20000 + 1, 'updated' from generate_series(1, 20000) n",
        );
        requireComplete(
          "the differential backup",
          await runCronJob(cluster, "pgbackrest-diff-backup", "pgbackrest-demo-diff"),
        );
      },
    );
    const validation = await steps.run(
      "weekly restore validation (from CronJob pgbackrest-restore-validation)",
      async () => {
        const run = await runCronJob(
          cluster,
          "pgbackrest-restore-validation",
          "pgbackrest-demo-validation",
        );
        requireComplete("the restore validation", run);
        for (const line of run.logs
          .split("\n")
          .filter((l) => /check|PASSED|restore: done|recovery: writable/.test(l)))
          log(`  ${line}`);
        return run.result;
      },
    );
    const { target, survived } = await steps.run(
      "the mistake: DROP TABLE governance_policies",
      async () => {
        const before = await psql(
          cluster,
          "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'",
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        await psql(cluster, "drop table governance_policies");
        await archiveNow(cluster);
        const left = await psql(cluster, "select to_regclass('governance_policies') is not null");
        log(`  target for the restore: ${before}, just before the drop`);
        return { target: before, survived: left === "t" };
      },
    );
    const policiesRestored = await steps.run(
      "point-in-time restore (the seed's procedure: stop PostgreSQL, restore Job, start)",
      async () => {
        await cluster.scale(NS, "StatefulSet", "postgres", 0);
        const [doc] = loadManifestFile(`${root}manifests/restore/pgbackrest-restore-pitr-job.yaml`);
        const job = structuredClone(doc?.object) as KubeObject & {
          spec: {
            template: { spec: { containers: { env?: { name: string; value: string }[] }[] } };
          };
        };
        const variable = job.spec.template.spec.containers[0]?.env?.find(
          (e) => e.name === "RESTORE_TARGET",
        );
        if (!variable) throw new Error("pgbackrest-restore-pitr-job.yaml has no RESTORE_TARGET");
        variable.value = target;
        requireComplete("the point-in-time restore", await runJob(cluster, job));
        await cluster.scale(NS, "StatefulSet", "postgres", 1);
        await cluster.waitForPodsReady(NS, { app: "postgres" }, 300_000);
        await waitWritable(cluster, 300_000);
        return Number(await psql(cluster, "select count(*) from governance_policies"));
      },
    );
    const stanza = await steps.run("pgbackrest info", async () => {
      const info = await cluster.exec(NS, "pgbackrest-repo-host-0", "pgbackrest", [
        "pgbackrest",
        "--stanza=mcpgov",
        "info",
        "--output=json",
      ]);
      return findStanza(parseInfo(info.stdout), "mcpgov");
    });
    return {
      steps: steps.done,
      stanza,
      validation,
      policiesBefore,
      policiesAfterMistake: survived,
      policiesRestored,
      target,
    };
  } finally {
    log("▶ shutting down the local cluster");
    await cluster.shutdown();
  }
}
