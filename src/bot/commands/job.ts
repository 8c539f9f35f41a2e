// Core operations and Jobs in the status comment: an operation's steps shown as they go,
// and what a failed Job leaves there (its pods' states, events and log tail, folded in).
import type { Cluster } from "../../core/cluster.ts";
import { JobFailedError, type JobFailure } from "../../core/jobs.ts";
import type { Progress } from "../../core/progress.ts";
import type { Settings } from "../../core/settings.ts";
import { UserError } from "../../core/user-error.ts";
import { text } from "../status-comment.ts";
import { type CommandContext, commandSettings } from "./context.ts";

/** Attaches a failed Job's diagnosis to the comment; returns why it failed, in a line. */
export function attachJobFailure(context: CommandContext, failure: JobFailure): string {
  context.comment.attach(`Job ${failure.job}: pods and events`, failure.description);
  context.comment.attach(`Job ${failure.job}: last lines of its log`, failure.logTail);
  // The Job's condition and its pod's message are the cluster's words (a pod can write its own).
  return text(`${failure.reason}${failure.meaning ? `: ${failure.meaning}` : ""}`);
}

/** An error from a Job that did not complete becomes the comment's result; others stay as they are. */
export function explainJobFailure(context: CommandContext, error: unknown): unknown {
  if (!(error instanceof JobFailedError)) return error;
  const why = attachJobFailure(context, error.failure);
  return new UserError(`${error.failure.what} failed (${why})`);
}

/**
 * Runs a core operation with this command's settings, its steps shown in the status
 * comment; a Job that did not complete has its diagnosis attached and becomes the result.
 */
export function operate<R>(
  context: CommandContext,
  operation: (cluster: Cluster, settings: Settings, progress: Progress) => Promise<R>,
): Promise<R> {
  const { cluster, comment } = context;
  return operation(cluster, commandSettings(context), comment.step.bind(comment)).catch(
    (error: unknown) => {
      throw explainJobFailure(context, error);
    },
  );
}
