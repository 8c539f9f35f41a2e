// When a Job fails, the step says so with what a person needs to act: the reason, the
// pods' states and events, and the end of the log, with credentials redacted.
import type { JobFailure } from "../../core/jobs.ts";
import { redact } from "../../core/redact.ts";
import type { StepOutcome } from "./step.ts";

export function failedJobOutcome(failure: JobFailure): StepOutcome {
  const { what, job, reason, meaning } = failure;
  return {
    ok: false,
    detail: redact(`${what} failed (${reason}): job/${job}${meaning ? `; ${meaning}` : ""}`),
    diagnostics: redact(`${failure.description}\n\nlast lines of the log:\n${failure.logTail}`),
  };
}
