// The story `npm run demo` tells, on the local cluster runner with real PostgreSQL and
// pgBackRest: verify and deploy the manifests, back up, validate the backups the way the
// weekly CronJob does, mark a moment before a risky change, make a mistake (a dropped
// table, between other writes), and undo it without losing a write: the table comes back
// from a clone of the mark, beside production, which is never stopped or rewound.
import { MCPGOV_DATABASE, psql } from "../../core/database.ts";
import { manifestObjects } from "../../core/manifests/per-cluster-secrets.ts";
import { runBackup } from "../../core/operations/backup.ts";
import { deploy } from "../../core/operations/deploy.ts";
import { markRestorePoint } from "../../core/operations/mark.ts";
import { planRestore } from "../../core/operations/restore-plan.ts";
import { parseTableRef, restoreTable } from "../../core/operations/restore-table.ts";
import { readStatus, type StatusResult } from "../../core/operations/status.ts";
import { runValidation } from "../../core/operations/validate.ts";
import type { Progress } from "../../core/progress.ts";
import { DEFAULT_SETTINGS } from "../../core/settings.ts";
import type { ValidationReport } from "../../core/validation-report.ts";
import { formatManifestProblem } from "../../manifest-checks/problem.ts";
import { verifyManifests } from "../../manifest-checks/verify.ts";
import { createNamespaceAsAdmin } from "../deploy.ts";
import { LocalCluster } from "../runner/local-cluster.ts";
import { type Step, Steps } from "../steps.ts";

const JOB_TIMEOUT_MS = 600_000;

export interface StoryResult {
  steps: Step[];
  status: StatusResult;
  validation: ValidationReport;
  policiesBefore: number;
  policiesAfterMistake: boolean;
  policiesRestored: number;
  /** The copy the table came back as, and the mark it was copied at. */
  restoredAs: string;
  mark: string;
  /** Writes made after the mark (around the mistake), and how many production still holds. */
  laterWritesMade: number;
  laterWritesKept: number;
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
      const docs = applied.map((object, index) => ({
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
  // The story's data lives in the seed's application database.
  const sql = (query: string) => psql(cluster, query, MCPGOV_DATABASE);
  try {
    await createNamespaceAsAdmin(cluster, objects);
    await deploy(cluster, settings, { objects, timeoutMs: 300_000 }, progress);
    const policiesBefore = await steps.run("write sample governance data", async () => {
      await sql(`create table governance_policies (id bigint primary key, name text not null, rules jsonb not null, updated_at timestamptz not null default now());
         insert into governance_policies (id, name, rules)
           select n, 'policy-' || n, jsonb_build_object('max_tokens', n * 10, 'reviewers', n % 5) from generate_series(1, 20000) n;
         create table audit_events (id bigserial primary key, policy_id bigint, event text, at timestamptz default now());
         insert into audit_events (policy_id, event) select n % 20000 + 1, 'evaluated' from generate_series(1, 50000) n;`);
      return Number(await sql("select count(*) from governance_policies"));
    });
    await runBackup(cluster, settings, { type: "full", ...jobRequest("full") }, progress);
    await steps.run("more writes", () =>
      sql(
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
    // Before the risky change, a mark to come back to exactly (what a deploy workflow's
    // mark operation does before its migration).
    const mark = await markRestorePoint(
      cluster,
      settings,
      { name: "before-cleanup", timeoutMs: JOB_TIMEOUT_MS },
      progress,
    );
    const survived = await steps.run(
      "the mistake: DROP TABLE governance_policies, between other writes",
      async () => {
        await sql("insert into audit_events (policy_id, event) values (1, 'cleanup started')");
        await sql("drop table governance_policies");
        await sql(
          "insert into audit_events (policy_id, event) select n, 'after the drop' from generate_series(1, 1000) n",
        );
        return (await sql("select to_regclass('governance_policies') is not null")) === "t";
      },
    );
    // The table back, beside production, which is neither stopped nor rewound.
    const plan = await planRestore(cluster, settings, { time: `mark:${mark.name}` }, progress);
    const table = await restoreTable(
      cluster,
      settings,
      {
        table: parseTableRef("public.governance_policies"),
        plan,
        cloneId: "demo",
        annotations: {},
        timeoutMs: JOB_TIMEOUT_MS,
      },
      progress,
    );
    log(`  ${table.restoredAs}: ${table.rowsCopied} rows, as at mark ${mark.name}`);
    await steps.run("put it in the table's place", () =>
      psql(cluster, table.sql.swap, { ...MCPGOV_DATABASE, database: table.database }),
    );
    const policiesRestored = Number(await sql("select count(*) from governance_policies"));
    const laterWritesKept = Number(
      await sql(
        "select count(*) from audit_events where event in ('cleanup started', 'after the drop')",
      ),
    );
    const status = await readStatus(cluster, settings, progress);
    return {
      steps: steps.done,
      status,
      validation,
      policiesBefore,
      policiesAfterMistake: survived,
      policiesRestored,
      restoredAs: table.restoredAs,
      mark: `${mark.name} (${mark.createdAt})`,
      laterWritesMade: 1001,
      laterWritesKept,
    };
  } finally {
    log("▶ shutting down the local cluster");
    await cluster.shutdown();
  }
}
