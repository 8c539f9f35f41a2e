// The ops issues on GitHub, through @actions/github's Octokit (GITHUB_API_URL: GitHub
// Enterprise, or a stand-in in the tests): the open ones the Action made, found by their
// marker; opening, commenting, closing.
import { getOctokit } from "@actions/github";
import { ACTION_REPORT_LABEL } from "../../core/names/defaults.ts";
import { marker, type ReportKey } from "./body.ts";

export interface Repository {
  owner: string;
  repo: string;
}

export interface OpenIssue {
  number: number;
  url: string;
}

/** GITHUB_REPOSITORY as owner and name; undefined when it is not set (not on a runner). */
export function repositoryOf(env: NodeJS.ProcessEnv = process.env): Repository | undefined {
  const [owner, repo, ...rest] = (env.GITHUB_REPOSITORY ?? "").split("/");
  return owner && repo && rest.length === 0 ? { owner, repo } : undefined;
}

export class OpsIssues {
  private readonly octokit: ReturnType<typeof getOctokit>;
  private readonly where: Repository;
  /** The ops labels; the Action's own is added to them. */
  private readonly labels: string[];
  private open: Promise<{ number: number; url: string; body: string }[]> | undefined;

  constructor(token: string, where: Repository, labels: string[]) {
    this.where = where;
    this.labels = labels;
    // Read now, not when the module was loaded: GitHub Enterprise's API, or a test's.
    this.octokit = getOctokit(token, {
      baseUrl: process.env.GITHUB_API_URL || "https://api.github.com",
    });
  }

  /** The open issue the Action made for this database and operation. */
  async find(key: ReportKey): Promise<OpenIssue | undefined> {
    // One listing per run, whatever the number of operations.
    this.open ??= this.octokit
      .paginate(this.octokit.rest.issues.listForRepo, {
        ...this.where,
        labels: ACTION_REPORT_LABEL,
        state: "open",
        per_page: 100,
      })
      .then((issues) =>
        issues
          .filter((i) => !i.pull_request)
          .map((i) => ({ number: i.number, url: i.html_url, body: i.body ?? "" })),
      );
    const line = marker(key);
    const found = (await this.open).find((i) => i.body.split("\n").includes(line));
    return found ? { number: found.number, url: found.url } : undefined;
  }

  async create(title: string, body: string): Promise<OpenIssue> {
    const { data } = await this.octokit.rest.issues.create({
      ...this.where,
      title,
      body,
      labels: [...this.labels, ACTION_REPORT_LABEL],
    });
    return { number: data.number, url: data.html_url };
  }

  async comment(issue: OpenIssue, body: string): Promise<void> {
    await this.octokit.rest.issues.createComment({
      ...this.where,
      issue_number: issue.number,
      body,
    });
  }

  async close(issue: OpenIssue): Promise<void> {
    await this.octokit.rest.issues.update({
      ...this.where,
      issue_number: issue.number,
      state: "closed",
      state_reason: "completed",
    });
  }
}
