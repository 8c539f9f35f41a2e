// The story `npm run demo` tells, on the local cluster runner with real PostgreSQL and
// pgBackRest: verify and deploy the manifests, back up, validate the backups the way the
// weekly CronJob does, make a mistake (a dropped table) and undo it with the seed's
// point-in-time restore.
import { join } from "node:path";
import type { KubeObject } from "../core/cluster.ts";
import { archiveNow, psql } from "../core/database.ts";
import { loadManifestFile } from "../core/manifests/load.ts";
import { formatManifestProblem } from "../core/manifests/problem.ts";
import { verifyManifests } from "../core/manifests/verify.ts";
import { runBackup } from "../core/operations/backup.ts";
import { deploy } from "../core/operations/deploy.ts";
import { restoreProduction } from "../core/operations/restore.ts";
import { DEFAULT_SETTINGS, type Progress } from "../core/operations/settings.ts";
import { readStatus, type StatusResult } from "../core/operations/status.ts";
import { runValidation } from "../core/operations/validate.ts";
import { projectRoot } from "../core/paths.ts";
import type { ValidationReport } from "../core/validation-report.ts";
import { manifestObjects, restoreJobObjects } from "./deploy.ts";
import { LocalCluster } from "./runner/local-cluster.ts";
import { type Step, Steps } from "./steps.ts";

const root = projectRoot();
const JOB_TIMEOUT_MS = 600_000;

export interface StoryResult {
  steps: Step[];
  status: StatusResult;
  validation: ValidationReport;
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
  const progress: Progress = (name, work) => steps.run(name, work);
  const settings = DEFAULT_SETTINGS;
  const jobRequest = (name: string) => ({
    jobName: `pgbackrest-demo-${name}`,
    annotations: {},
    timeoutMs: JOB_TIMEOUT_MS,
  });
  try {
    await deploy(cluster, settings, { objects, timeoutMs: 300_000 }, progress);
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
    await runBackup(cluster, settings, { type: "full", ...jobRequest("full") }, progress);
    await steps.run("more writes", () =>
      psql(
        cluster,
        "insert into audit_events (policy_id, event) select n % 20000 + 1, 'updated' from generate_series(1, 20000) n",
      ),
    );
    await runBackup(cluster, settings, { type: "diff", ...jobRequest("diff") }, progress);
    const { report: validation } = await runValidation(
      cluster,
      settings,
      jobRequest("validation"),
      progress,
    );
    log(
      `  restore-validation: ${validation.status.toUpperCase()}${validation.reason ? ` (${validation.reason})` : ""}`,
    );
    for (const check of validation.checks)
      log(`  check ${check.name}: ${check.result} ${check.detail}`);
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
    const [doc] = loadManifestFile(
      join(root, "manifests/restore/pgbackrest-restore-pitr-job.yaml"),
    );
    if (!doc) throw new Error("manifests/restore/pgbackrest-restore-pitr-job.yaml is empty");
    // The seed's procedure, with the product's safety backup and checks around it.
    const job = structuredClone(doc.object as KubeObject);
    job.metadata.name = "pgbackrest-demo-restore";
    const restore = {
      job,
      target,
      workloads: [],
      safetyJobName: "pgbackrest-demo-safety",
      annotations: {},
      timeoutMs: JOB_TIMEOUT_MS,
    };
    await restoreProduction(cluster, settings, restore, progress);
    const policiesRestored = Number(
      await psql(cluster, "select count(*) from governance_policies"),
    );
    const status = await readStatus(cluster, settings, progress);
    return {
      steps: steps.done,
      status,
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
