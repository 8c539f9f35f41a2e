// One comment per operation, edited in place as it goes: the steps with their state and
// duration, the result, and log tails folded in <details>. Everything posted is redacted
// first and kept under GitHub's 65,536-character limit. A failed edit never stops the
// operation: the next edit carries the whole state again.
import type { Context } from "probot";
import { fenced, text } from "../core/markdown.ts";
import { redact } from "../core/redact.ts";
import { commandText } from "./command.ts";
import type { Operation } from "./records.ts";

type Octokit = Context["octokit"];

export { text };

export const MAX_COMMENT = 65_536;
/** Room kept for the table and result when log tails are cut to fit. */
const DETAILS_BUDGET = 50_000;

export type StepState = "running" | "done" | "failed" | "skipped";

interface StepLine {
  name: string;
  state: StepState;
  startedAt: number;
  seconds?: number;
}

export interface Target {
  owner: string;
  repo: string;
  issue: number;
}

const ICON: Record<StepState, string> = {
  running: "⏳",
  done: "✅",
  failed: "❌",
  skipped: "⏭️",
};

/** Text inside `code`: a backtick or a blank line would end it early. */
export function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\r\n|\r|\n/g, " ")}\``;
}

export function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export class StatusComment {
  private readonly octokit: Octokit;
  private readonly target: Target;
  private readonly heading: string;
  private readonly steps: StepLine[] = [];
  private readonly details: { summary: string; text: string }[] = [];
  private body = "";
  private result = "";
  private readonly log: (line: string) => void;
  id: number | undefined;
  /** Put before each step's name while set: a command over several targets says whose step it is. */
  stepPrefix = "";

  constructor(options: {
    octokit: Octokit;
    target: Target;
    heading: string;
    id?: number;
    log?: (line: string) => void;
  }) {
    this.octokit = options.octokit;
    this.target = options.target;
    this.heading = options.heading;
    this.id = options.id;
    this.log = options.log ?? (() => {});
  }

  /**
   * Runs one step, shown as running, then done or failed with its duration: the time of
   * the work alone, not of posting the comment (GitHub throttles edits to about one a second).
   */
  async step<T>(name: string, work: () => Promise<T>): Promise<T> {
    const line: StepLine = {
      name: `${this.stepPrefix}${name}`,
      state: "running",
      startedAt: Date.now(),
    };
    this.steps.push(line);
    await this.publish();
    line.startedAt = Date.now();
    try {
      const value = await work();
      line.state = "done";
      return value;
    } catch (error) {
      line.state = "failed";
      throw error;
    } finally {
      line.seconds = (Date.now() - line.startedAt) / 1000;
      await this.publish();
    }
  }

  skip(name: string): void {
    this.steps.push({ name, state: "skipped", startedAt: Date.now(), seconds: 0 });
  }

  /** The outcome, in Markdown, below the steps. */
  async finish(result: string): Promise<void> {
    this.result = result;
    await this.publish();
  }

  /** A folded block (a log tail, a report); shown after the result. */
  attach(summary: string, text: string): void {
    this.details.push({ summary, text });
  }

  render(): string {
    const parts = [this.heading];
    if (this.steps.length > 0) {
      parts.push(
        [
          "| | Step | Time |",
          "|---|---|---|",
          ...this.steps.map(
            (s) =>
              `| ${ICON[s.state]} | ${text(s.name)} | ${
                s.seconds === undefined ? "running" : seconds(s.seconds * 1000)
              } |`,
          ),
        ].join("\n"),
      );
    }
    if (this.result) parts.push(this.result);
    let budget = DETAILS_BUDGET;
    for (const { summary, text } of this.details) {
      const room = Math.max(0, Math.min(text.length, budget));
      const cut = text.length > room ? `…(earlier lines cut)\n${text.slice(-room)}` : text;
      budget -= room;
      parts.push(`<details><summary>${summary}</summary>\n\n${fenced(cut)}\n\n</details>`);
    }
    const body = redact(parts.join("\n\n"));
    return body.length <= MAX_COMMENT ? body : `${body.slice(0, MAX_COMMENT - 20)}\n\n…(cut)`;
  }

  /** Creates the comment, or edits it; a GitHub error is logged and the work goes on. */
  async publish(): Promise<void> {
    const body = this.render();
    if (body === this.body) return;
    try {
      if (this.id === undefined) {
        const { data } = await this.octokit.request(
          "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
          {
            owner: this.target.owner,
            repo: this.target.repo,
            issue_number: this.target.issue,
            body,
          },
        );
        this.id = Number(data.id);
      } else {
        await this.octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
          owner: this.target.owner,
          repo: this.target.repo,
          comment_id: this.id,
          body,
        });
      }
      this.body = body;
    } catch (error) {
      this.log(`could not update the status comment: ${(error as Error).message}`);
    }
  }
}

/** A one-off reply (a refusal, help): redacted like everything else. */
export async function reply(octokit: Octokit, target: Target, body: string): Promise<void> {
  await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issue,
    body: redact(body),
  });
}

/** The first line of an operation's status comment: what, which operation, who asked, where. */
export function operationHeading(operation: Operation): string {
  const on = operation.targets?.length ? ` · ${operation.targets.map(code).join(", ")}` : "";
  return `**mcpgov-backup** · ${code(commandText(operation.command))}${on} · op ${code(operation.id)} · requested by @${operation.requester} ([comment](${operation.commentUrl}))`;
}
