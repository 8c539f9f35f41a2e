// The report to the ops issue, per operation of the run: a failure opens the issue for the
// database and operation, or comments on the one open; a success comments on it and closes
// it. Reporting never changes the run's result: without a token, or with one GitHub refuses
// (a fork's is read-only), the run says so once and goes on.
import { redact } from "../../core/redact.ts";
import type { Settings } from "../../core/settings.ts";
import type { Inputs, Operation } from "../inputs.ts";
import type { AnyStepResult } from "../steps/step.ts";
import { failureText, keyOf, successText, title } from "./body.ts";
import { OpsIssues, type Repository, repositoryOf } from "./issues.ts";
import type { Standing } from "./standing.ts";

export interface RunToReport {
  inputs: Pick<Inputs, "githubToken" | "report" | "reportLabels">;
  settings: Settings;
  results: AnyStepResult[];
  runUrl: string;
  /** The credential's warnings (credentials.ts), told on the issue too. */
  warnings: string[];
  /** Where the database stands; read only when a failure is reported. */
  standing: () => Promise<Standing>;
  /** Values never to be shown: the token, the kubeconfig's secrets. */
  secrets: string[];
}

export interface Say {
  info(line: string): void;
  notice(line: string): void;
  warning(line: string): void;
}

/** Each operation once: failed when any run of it failed. */
function outcomes(results: AnyStepResult[]): Map<Operation, AnyStepResult> {
  const byName = new Map<Operation, AnyStepResult>();
  for (const r of results) if (byName.get(r.name)?.ok !== false) byName.set(r.name, r);
  return byName;
}

function refusal(error: unknown, secrets: string[]): string {
  const status = (error as { status?: unknown }).status;
  const why =
    status === 403 || status === 404
      ? `GitHub answered ${status}: the token cannot write this repository's issues (a fork's token is read-only; elsewhere give the job permissions: issues: write)`
      : redact(error instanceof Error ? error.message : String(error), secrets);
  return `the ops issue was not told of this run: ${why}. The operations' result stands`;
}

/** Reports the run; returns what was done, a line each, for the job summary. */
export async function reportToIssue(
  run: RunToReport,
  say: Say,
  repository: Repository | undefined = repositoryOf(),
): Promise<string[]> {
  const { inputs, settings, secrets } = run;
  if (inputs.report === "never" || run.results.length === 0) return [];
  if (!inputs.githubToken || !repository) {
    const line = inputs.githubToken
      ? "the ops issue was not told of this run: GITHUB_REPOSITORY is not set (not a workflow run)"
      : "the ops issue was not told of this run: the github-token input is empty (a fork's pull request gets none that can write issues); set it, or report: never to say nothing";
    say.notice(line);
    return [line];
  }
  const issues = new OpsIssues(inputs.githubToken, repository, inputs.reportLabels);
  const opsLabel = inputs.reportLabels[0] ?? "";
  const done: string[] = [];
  const tell = (line: string) => {
    say.info(line);
    done.push(line);
  };
  try {
    for (const [operation, result] of outcomes(run.results)) {
      const key = keyOf(settings, operation);
      const open = await issues.find(key);
      if (result.ok) {
        const text = redact(successText(key, run.runUrl, run.warnings), secrets);
        if (open) {
          await issues.comment(open, text);
          await issues.close(open);
          tell(
            `${operation} passed: commented on the ops issue #${open.number} and closed it (${open.url})`,
          );
        } else if (inputs.report === "always") {
          const made = await issues.create(title(key), text);
          await issues.close(made);
          tell(`${operation} passed: recorded as the closed issue #${made.number} (${made.url})`);
        }
        continue;
      }
      const report = {
        key,
        failed: result,
        standing: await run.standing(),
        warnings: run.warnings,
        opsLabel,
        runUrl: run.runUrl,
      };
      if (open) {
        await issues.comment(open, redact(failureText(report, true), secrets));
        tell(`${operation} failed: commented on the ops issue #${open.number} (${open.url})`);
      } else {
        const made = await issues.create(title(key), redact(failureText(report), secrets));
        tell(`${operation} failed: opened the ops issue #${made.number} (${made.url})`);
      }
    }
  } catch (error) {
    const line = refusal(error, secrets);
    say.warning(line);
    done.push(line);
  }
  return done;
}
