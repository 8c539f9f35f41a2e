// A failed Job fails the step with what a person needs: the reason, the pods' states and
// events, the end of the log; credentials in any of them are redacted, in the log and in
// the job summary.
import { describe, expect, it } from "vitest";
import { failedJobOutcome, failureOf } from "../../src/action/failure.ts";
import { renderSummary } from "../../src/action/summary.ts";
import type { Cluster, JobDescription } from "../../src/core/cluster.ts";
import { diagnoseJob, JobFailedError, type JobRun } from "../../src/core/jobs.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { UserError } from "../../src/core/user-error.ts";

// Only describeJob is used; the rest of the cluster must not be touched.
const cluster = {
  describeJob: async (namespace: string, name: string): Promise<JobDescription> => ({
    pods: [
      {
        name: `${name}-x7k2p`,
        phase: "Failed",
        containers: [{ name: "backup", state: "terminated (Error, exit code 56)", restarts: 0 }],
      },
    ],
    events: [
      {
        object: `Job/${name}`,
        type: "Warning",
        reason: "BackoffLimitExceeded",
        message: `Job has reached the specified backoff limit (${namespace})`,
      },
    ],
  }),
} as unknown as Cluster;

const run: JobRun = {
  result: {
    name: "pgbackrest-action-full-20261124",
    outcome: "Failed",
    reason: "BackoffLimitExceeded",
  },
  logs: [
    "P00 INFO: backup command begin 2.55.1: --repo1-cipher-pass=hunter2 --stanza=mcpgov",
    "P00 ERROR: [056]: unable to find primary cluster - cannot proceed",
    "PGPASSWORD=s3cr3t-value",
  ].join("\n"),
};

describe("a failed Job", () => {
  it("fails the step with the reason, the pods, the events and the log tail, redacted", async () => {
    const failure = await diagnoseJob(
      cluster,
      DEFAULT_SETTINGS.namespace,
      "the full backup",
      run.result.name,
      run.result.reason ?? "",
      run.logs,
    );
    const outcome = failedJobOutcome(failure);
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toBe(
      "the full backup failed (BackoffLimitExceeded): job/pgbackrest-action-full-20261124",
    );
    expect(outcome.diagnostics).toContain("container backup: terminated (Error, exit code 56)");
    expect(outcome.diagnostics).toContain("Warning BackoffLimitExceeded");
    expect(outcome.diagnostics).toContain("ERROR: [056]: unable to find primary cluster");
    expect(outcome.diagnostics).toContain("--repo1-cipher-pass=[redacted]");
    expect(outcome.diagnostics).not.toMatch(/hunter2|s3cr3t-value/);

    const summary = renderSummary([{ name: "backup", seconds: 12.3, ...outcome }]);
    expect(summary).toContain(
      "| backup | ❌ failed | the full backup failed (BackoffLimitExceeded)",
    );
    expect(summary).toContain("<details><summary>backup: what failed</summary>");
    expect(summary).not.toMatch(/hunter2|s3cr3t-value/);
  });
});

describe("any error", () => {
  it("is told one way: a UserError as it is, a failed Job with its diagnosis", async () => {
    expect(
      failureOf(new UserError("CronJob x not found; deploy the manifests first"), "backup"),
    ).toEqual({ ok: false, detail: "CronJob x not found; deploy the manifests first" });
    const failure = await diagnoseJob(cluster, "ns", "the full backup", "job-1", "Failed", "");
    expect(failureOf(new JobFailedError(failure), "backup")).toEqual(failedJobOutcome(failure));
  });

  it("is otherwise an internal failure: where, the message and its causes, the stack, redacted", () => {
    const cause = new Error("connect ECONNREFUSED postgresql://backup:hunter2@db:5432");
    const outcome = failureOf(new Error("read the stanza", { cause }), "status");
    expect(outcome.detail).toBe(
      "status failed unexpectedly: read the stanza: connect ECONNREFUSED postgresql://backup:[redacted]@db:5432",
    );
    expect(outcome.diagnostics).toMatch(/^Error: read the stanza\n\s+at /);
    expect(JSON.stringify(outcome)).not.toContain("hunter2");
  });
});
