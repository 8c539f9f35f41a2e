// The story `npm run demo` tells, on the local cluster runner with real PostgreSQL and
// pgBackRest: verify and deploy the manifests, back up, validate the backups the way the
// weekly CronJob does, make a mistake (a dropped table) and undo it with the seed's
// point-in-time restore.
import { join } from "node:path";
import type { JobResult, KubeObject } from "../core/cluster.ts";
import { archiveNow, psql } from "../core/database.ts";
import { requireComplete, runCronJob } from "../core/jobs.ts";
import { loadManifestFile } from "../core/manifests/load.ts";
import { formatManifestProblem } from "../core/manifests/problem.ts";
import { verifyManifests } from "../core/manifests/verify.ts";
import { projectRoot } from "../core/paths.ts";
import { findStanza, parseInfo, type StanzaInfo } from "../core/pgbackrest/info.ts";
import { restoreDatabase } from "../core/restore.ts";
import { deployDatabase, manifestObjects, restoreJobObjects } from "./deploy.ts";
import { LocalCluster } from "./runner/local-cluster.ts";
import { type Step, Steps } from "./steps.ts";

const NS = "ai-governance";
const root = projectRoot();
const JOB_TIMEOUT_MS = 600_000;

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
        await runCronJob(
          cluster,
          NS,
          "pgbackrest-full-backup",
          "pgbackrest-demo-full",
          JOB_TIMEOUT_MS,
        ),
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
          await runCronJob(
            cluster,
            NS,
            "pgbackrest-diff-backup",
            "pgbackrest-demo-diff",
            JOB_TIMEOUT_MS,
          ),
        );
      },
    );
    const validation = await steps.run(
      "weekly restore validation (from CronJob pgbackrest-restore-validation)",
      async () => {
        const run = await runCronJob(
          cluster,
          NS,
          "pgbackrest-restore-validation",
          "pgbackrest-demo-validation",
          JOB_TIMEOUT_MS,
        );
        requireComplete("the restore validation", run);
        for (const line of run.logs
          .split("\n")
          .filter((l) => /check |phase: |PASSED|FAILED/.test(l)))
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
        const [doc] = loadManifestFile(
          join(root, "manifests/restore/pgbackrest-restore-pitr-job.yaml"),
        );
        if (!doc) throw new Error("manifests/restore/pgbackrest-restore-pitr-job.yaml is empty");
        const run = await restoreDatabase(cluster, {
          job: doc.object as KubeObject,
          target,
          timeoutMs: JOB_TIMEOUT_MS,
        });
        requireComplete("the point-in-time restore", run);
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
