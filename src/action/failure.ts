// How the Action tells of a failure, in one place: a UserError as it is (it says what to
// do), a failed Job with what a person needs to act on it (the reason, the pods' states
// and events, the end of the log), anything else as an internal failure: where it
// happened, the message and its causes, the stack folded. All of it is redacted: it leaves
// the cluster for the log and the job summary.
import { JobFailedError, type JobFailure } from "../core/jobs.ts";
import { redact } from "../core/redact.ts";
import { UserError } from "../core/user-error.ts";
import type { Failure } from "./steps/step.ts";

export function failedJobOutcome(failure: JobFailure): Failure {
  const { what, job, reason, meaning } = failure;
  return {
    ok: false,
    detail: redact(`${what} failed (${reason}): job/${job}${meaning ? `; ${meaning}` : ""}`),
    diagnostics: redact(`${failure.description}\n\nlast lines of the log:\n${failure.logTail}`),
  };
}

/** Any error, as the step or run it stopped (`where`) reports it. */
export function failureOf(error: unknown, where: string): Failure {
  if (error instanceof JobFailedError) return failedJobOutcome(error.failure);
  if (error instanceof UserError) return { ok: false, detail: redact(error.message) };
  const stack = error instanceof Error ? error.stack : undefined;
  return {
    ok: false,
    detail: redact(`${where} failed unexpectedly: ${causes(error)}`),
    ...(stack ? { diagnostics: redact(stack) } : {}),
  };
}

/** The error's message and its causes', each once: the context a wrapping error added first. */
function causes(error: unknown): string {
  const messages: string[] = [];
  for (let at: unknown = error; at !== undefined; at = (at as { cause?: unknown }).cause) {
    const message = at instanceof Error ? at.message : String(at);
    if (!messages.some((m) => m.includes(message))) messages.push(message);
    if (messages.length >= 5 || !(at instanceof Error)) break;
  }
  return messages.join(": ");
}
