// When a Job fails, the step says so with what a person needs to act: the reason, the
// pods' states and events, and the end of the log, with credentials redacted.
import type { JobRun } from "../../core/jobs.ts";
import { explainPgbackrest } from "../../core/pgbackrest/errors.ts";
import { redact } from "../../core/redact.ts";
import type { StepContext, StepOutcome } from "./step.ts";

export async function jobFailure(
  context: StepContext,
  what: string,
  run: JobRun,
): Promise<StepOutcome> {
  const described = await context.cluster
    .describeJob(context.inputs.namespace, run.result.name)
    .catch((error: Error) => `could not describe job/${run.result.name}: ${error.message}`);
  const tail = run.logs.trimEnd().split("\n").slice(-30).join("\n");
  const meaning = explainPgbackrest(run.logs);
  return {
    ok: false,
    detail: redact(
      `${what} failed (${run.result.reason ?? "no reason given"}): job/${run.result.name}${meaning ? `; ${meaning}` : ""}`,
    ),
    diagnostics: redact(`${described}\n\nlast lines of the log:\n${tail}`),
  };
}
