// The Action's report to the ops issue, as GitHub runs it: the bundle (dist/index.js) as a
// process, reaching a stand-in for GitHub's REST API through GITHUB_API_URL (nock cannot
// reach into another process). In order, sharing the stand-in: a failing verify opens one
// issue, a second failure comments on it, a passing run closes it; without a token nothing
// is called; an expired kubeconfig stops the run before anything reaches the cluster.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runActionBundle } from "../../scripts/run-action.ts";
import { type GitHubStandIn, startGitHubStandIn } from "../support/github-api.ts";

const root = new URL("../..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "mcpgov-backup-report-"));
const TOKEN = "ghs_0123456789abcdefghijklmnopqrstuvwxyzAB";
let github: GitHubStandIn;
beforeAll(async () => {
  github = await startGitHubStandIn();
});
afterAll(async () => {
  await github.close();
  rmSync(work, { recursive: true, force: true });
});

const runAction = (inputs: Record<string, string>) =>
  runActionBundle(
    work,
    { cluster: "local", "timeout-minutes": "5", "github-token": TOKEN, ...inputs },
    {
      env: {
        GITHUB_API_URL: github.url,
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_REPOSITORY: "org/ops",
        GITHUB_RUN_ID: "42",
        GITHUB_ACTOR: "octocat",
      },
    },
  );

const MARKER =
  "<!-- mcpgov-backup:report namespace=ai-governance stanza=mcpgov operation=verify -->";

/** A kubeconfig whose token (a JWT) expired an hour ago, for a server that records what it is sent. */
function expiredKubeconfig(server: string, token: string): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster: { server: "${server}" }
users:
  - name: ci
    user: { token: "${token}" }
contexts:
  - name: c
    context: { cluster: c, user: ci, namespace: ai-governance }
current-context: c
`;
}

function jwt(claims: Record<string, number>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256" })}.${part(claims)}.${"s".repeat(43)}`;
}

describe("the Action reports to the ops issue", () => {
  it("opens one issue with both labels and the diagnosis when verify fails", async () => {
    const { code, log, summary } = await runAction({ operations: "verify" });
    expect(code).toBe(1);
    expect(github.calls.filter((c) => c.method === "POST")).toHaveLength(1);
    expect(github.issues).toHaveLength(1);
    const [issue] = github.issues;
    expect(issue?.labels).toEqual(["ops", "mcpgov-backup"]);
    expect(issue?.title).toBe("mcpgov-backup: verify fails for ai-governance/mcpgov");
    // The marker the next run finds it by, what failed as the summary says it, where the
    // database stands (unknown here, with why), the commands that help, the run.
    const body = issue?.body ?? "";
    expect(body.split("\n")[0]).toBe(MARKER);
    // verify's problems, in words: nothing is deployed.
    expect(body).toMatch(
      /\*\*What failed:\*\* ConfigMap postgres-pgbackrest-config missing; .*CronJob pgbackrest-full-backup missing; .*WAL archiving could not be read: pods .*postgres-0.* not found/,
    );
    expect(body).toMatch(
      /\| recovery window, last good backup and validation \| unknown \(CronJob pgbackrest-info not found/,
    );
    expect(body).toContain("- `/backup status`");
    expect(body).toContain("- `/backup full`");
    expect(body).toContain("labelled `ops`");
    expect(body).toContain("(https://github.com/org/ops/actions/runs/42)");
    // The token went to GitHub, masked in the log, and nowhere else.
    expect(github.calls.every((c) => c.authorization === `token ${TOKEN}`)).toBe(true);
    expect(log).toContain(`::add-mask::${TOKEN}`);
    expect(log.replace(`::add-mask::${TOKEN}`, "")).not.toContain(TOKEN);
    expect(body + summary).not.toContain(TOKEN);
    expect(summary).toContain("verify failed: opened the ops issue #1");
    mkdirSync(join(root, "test-results"), { recursive: true });
    writeFileSync(join(root, "test-results/report-issue.md"), body);
  }, 300_000);

  it("comments on the same issue when verify fails again", async () => {
    const { code, summary } = await runAction({ operations: "verify" });
    expect(code).toBe(1);
    expect(github.issues).toHaveLength(1);
    expect(github.issues[0]?.state).toBe("open");
    expect(github.issues[0]?.comments).toHaveLength(1);
    expect(github.issues[0]?.comments[0]).toContain(
      "**What failed:** ConfigMap postgres-pgbackrest-config missing;",
    );
    expect(summary).toContain("verify failed: commented on the ops issue #1");
  }, 300_000);

  it("comments on it and closes it when verify passes (deploying first)", async () => {
    const { code, summary, log } = await runAction({ operations: "deploy verify" });
    expect(log).not.toContain("::error::");
    expect(code).toBe(0);
    expect(github.issues).toHaveLength(1);
    expect(github.issues[0]?.state).toBe("closed");
    expect(github.issues[0]?.comments.at(-1)).toMatch(
      /^✅ \*\*verify passed\*\* for namespace `ai-governance`/,
    );
    expect(github.calls.at(-1)).toMatchObject({
      method: "PATCH",
      url: "/repos/org/ops/issues/1",
      body: { state: "closed" },
    });
    expect(summary).toContain("verify passed: commented on the ops issue #1 and closed it");
  }, 600_000);

  it("without a token calls nothing and says so", async () => {
    const before = github.calls.length;
    const { code, log, summary } = await runAction({ operations: "verify", "github-token": "" });
    expect(code).toBe(1);
    expect(github.calls).toHaveLength(before);
    expect(
      log.match(
        /::notice::the ops issue was not told of this run: the github-token input is empty/g,
      ),
    ).toHaveLength(1);
    expect(summary).toContain("the github-token input is empty");
  }, 300_000);

  it("stops before any call to the cluster when the kubeconfig's token has expired, and reports it", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = jwt({ iat: now - 8 * 86_400, exp: now - 3600 });
    const before = github.calls.length;
    const { code, log, summary } = await runAction({
      operations: "status",
      cluster: "kubernetes",
      kubeconfig: expiredKubeconfig(github.url, token),
    });
    expect(code).toBe(1);
    expect(log).toMatch(
      /::error::the kubeconfig's token of user ci expired at \S+ \(1 h ago\); nothing was sent to the cluster\. To renew it, make a new kubeconfig with scripts\/make-action-kubeconfig\.sh/,
    );
    // The stand-in is the kubeconfig's server too: it heard of GitHub's issues, nothing else.
    const calls = github.calls.slice(before);
    expect(calls.map((c) => c.url).filter((u) => !u.startsWith("/repos/org/ops/issues"))).toEqual(
      [],
    );
    expect(log).toContain(`::add-mask::${token}`);
    const issue = github.issues.find((i) => i.title.includes("status fails"));
    expect(issue?.body).toContain("expired at");
    expect(issue?.body).toContain("unknown (the cluster was not asked: its credential expired)");
    expect(issue?.body + summary).not.toContain(token);
  }, 120_000);
});
