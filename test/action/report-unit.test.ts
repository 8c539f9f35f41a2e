// The report to the ops issue without the bundle: what its text says and leaves out, and
// that GitHub refusing it (a fork's read-only token) is said once and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureText, keyOf, successText } from "../../src/action/report/body.ts";
import { type RunToReport, reportToIssue, type Say } from "../../src/action/report/report.ts";
import type { AnyStepResult } from "../../src/action/steps/step.ts";
import { type GitHubStandIn, startGitHubStandIn } from "../support/github-api.ts";

const settings = { namespace: "ledger-db", stanza: "ledger" };
const standing = {
  recoveryWindow: "2026-12-01T00:00:01.000Z → 2026-12-07T11:00:00.000Z",
  lastBackup: "20261207-010000F (full, repo1, ended 2026-12-07T01:05:00.000Z)",
  lastValidation: "passed on 2026-12-06T04:30:00Z (job/pgbackrest-restore-validation-1)",
};
const TOKEN = "ghs_abcdefghijklmnopqrstuvwxyz0123456789";

let github: GitHubStandIn;
const before = process.env.GITHUB_API_URL;
beforeAll(async () => {
  github = await startGitHubStandIn();
  process.env.GITHUB_API_URL = github.url;
});
afterAll(async () => {
  if (before === undefined) delete process.env.GITHUB_API_URL;
  else process.env.GITHUB_API_URL = before;
  await github.close();
});

function recorder(): Say & { said: string[] } {
  const said: string[] = [];
  return {
    said,
    info: (line) => said.push(`info ${line}`),
    notice: (line) => said.push(`notice ${line}`),
    warning: (line) => said.push(`warning ${line}`),
  };
}

const failedValidate = {
  name: "validate",
  seconds: 3,
  ok: false,
  detail: "failed: row counts differ, says @octocat in #12",
  diagnostics: "pod pgbackrest-restore-validation-x: Error\nPGPASSWORD=hunter2-secret ```end",
} as AnyStepResult;

function run(results: AnyStepResult[], more: Partial<RunToReport> = {}): RunToReport {
  return {
    inputs: { githubToken: TOKEN, report: "on-failure", reportLabels: ["ops", "database"] },
    settings,
    results,
    runUrl: "https://github.com/org/ops/actions/runs/7",
    warnings: [],
    standing: async () => standing,
    secrets: [TOKEN, "kube-token-value-1"],
    ...more,
  };
}

describe("the ops issue's text", () => {
  it("says what failed, inert, where the database stands, the warning, what helps and the run", () => {
    const body = failureText({
      key: keyOf(settings, "validate"),
      failed: failedValidate,
      standing,
      warnings: ["the kubeconfig's token of user ci expires at 2026-12-10T00:00:00.000Z"],
      opsLabel: "ops",
      runUrl: "https://github.com/org/ops/actions/runs/7",
    });
    expect(body.split("\n")[0]).toBe(
      "<!-- mcpgov-backup:report namespace=ledger-db stanza=ledger operation=validate -->",
    );
    // An @mention or #reference from the cluster pings and links nothing.
    expect(body).toContain("says @\u200doctocat in \\#\u200d12");
    expect(body).not.toMatch(/@octocat|#12/);
    // The diagnosis in a fence the log's backticks cannot close.
    expect(body).toContain("````text\npod pgbackrest-restore-validation-x: Error");
    expect(body).toContain(`| recovery window | ${standing.recoveryWindow} |`);
    expect(body).toContain("| last good backup | 20261207-010000F (full, repo1, ended");
    expect(body).toContain("| last validation | passed on 2026-12-06T04:30:00Z");
    expect(body).toContain("> [!WARNING]\n> the kubeconfig's token of user ci expires at");
    expect(body).toContain("- `/restore validate`: validate the newest backup again");
    expect(body).toContain("issues labelled `ops`");
    expect(body).toContain("[this run](https://github.com/org/ops/actions/runs/7)");
    expect(
      failureText(
        {
          ...{ key: keyOf(settings, "validate") },
          failed: failedValidate,
          standing,
          warnings: [],
          opsLabel: "ops",
          runUrl: "",
        },
        true,
      ),
    ).not.toContain("<!--");
    expect(successText(keyOf(settings, "verify"), "", [])).toBe(
      "✅ **verify passed** for namespace `ledger-db`, stanza `ledger`, in this run.\n",
    );
  });
});

describe("reportToIssue", () => {
  it("opens the issue with the labels, every secret redacted", async () => {
    github.issues.length = 0;
    github.calls.length = 0;
    const say = recorder();
    const done = await reportToIssue(
      run([{ ...failedValidate, detail: "failed: kube-token-value-1 leaked" } as AnyStepResult]),
      say,
      { owner: "org", repo: "ops" },
    );
    expect(done).toEqual([
      "validate failed: opened the ops issue #1 (https://github.example/org/ops/issues/1)",
    ]);
    const [issue] = github.issues;
    expect(issue?.labels).toEqual(["ops", "database", "mcpgov-backup"]);
    expect(issue?.title).toBe("mcpgov-backup: validate fails for ledger-db/ledger");
    expect(issue?.body).toContain("failed: [redacted] leaked");
    expect(issue?.body).toContain("PGPASSWORD=[redacted]");
    expect(issue?.body).not.toMatch(/hunter2|kube-token-value-1/);
  });

  it("closes only the issue of the operation that passed, and leaves another database's", async () => {
    const say = recorder();
    // Another database's open validate issue: not this one's.
    await reportToIssue(
      run([failedValidate], { settings: { namespace: "ai-governance", stanza: "mcpgov" } }),
      say,
      { owner: "org", repo: "ops" },
    );
    const passed = { name: "validate", seconds: 1, ok: true, detail: "passed" } as AnyStepResult;
    const done = await reportToIssue(run([passed]), say, { owner: "org", repo: "ops" });
    expect(done).toEqual([
      expect.stringContaining("validate passed: commented on the ops issue #1 and closed it"),
    ]);
    expect(github.issues.map((i) => [i.number, i.state])).toEqual([
      [1, "closed"],
      [2, "open"],
    ]);
  });

  it("with report: always, leaves a closed record of a success; with never, calls nothing", async () => {
    const passed = { name: "status", seconds: 1, ok: true, detail: "2 backups" } as AnyStepResult;
    const calls = github.calls.length;
    expect(
      await reportToIssue(
        run([passed], { inputs: { githubToken: TOKEN, report: "never", reportLabels: ["ops"] } }),
        recorder(),
        { owner: "org", repo: "ops" },
      ),
    ).toEqual([]);
    expect(github.calls).toHaveLength(calls);
    const done = await reportToIssue(
      run([passed], { inputs: { githubToken: TOKEN, report: "always", reportLabels: ["ops"] } }),
      recorder(),
      { owner: "org", repo: "ops" },
    );
    expect(done).toEqual([
      expect.stringContaining("status passed: recorded as the closed issue #3"),
    ]);
    expect(github.issues.at(-1)?.state).toBe("closed");
  });

  it("says once that GitHub refused (a fork's read-only token) and goes on", async () => {
    github.refuse = 403;
    try {
      const say = recorder();
      const calls = github.calls.length;
      const done = await reportToIssue(
        run([failedValidate, { ...failedValidate, name: "status" } as AnyStepResult]),
        say,
        { owner: "org", repo: "ops" },
      );
      expect(say.said).toEqual([
        "warning the ops issue was not told of this run: GitHub answered 403: the token cannot write this repository's issues (a fork's token is read-only; elsewhere give the job permissions: issues: write). The operations' result stands",
      ]);
      expect(done).toEqual([say.said[0]?.replace(/^warning /, "")]);
      // It stopped at the first refusal.
      expect(github.calls.length - calls).toBe(1);
    } finally {
      github.refuse = undefined;
    }
  });
});
