// What every command gets: the cluster, the policy, its operation record and status
// comment, and the Jobs' annotations (who asked, where, which delivery); and what it gives
// back.
import type { Context } from "probot";
import type { Cluster } from "../../core/cluster.ts";
import type { PlanSettings } from "../../core/plans/lifecycle.ts";
import type { Settings } from "../../core/settings.ts";
import type { Policy } from "../policy.ts";
import type { Operation, OperationRecords } from "../records.ts";
import type { StatusComment } from "../status-comment.ts";

export interface CommandContext {
  cluster: Cluster;
  /** The target's name in the targets file; its namespace and stanza below. */
  target: string;
  namespace: string;
  stanza: string;
  /** The bot's own namespace, where its records and the plans are kept. */
  recordsNamespace: string;
  policy: Policy;
  records: OperationRecords;
  operation: Operation;
  comment: StatusComment;
  octokit: Context["octokit"];
  /** Every Job the command creates carries these. */
  annotations: Record<string, string>;
  /** How often a held lock is renewed. */
  lockRenewMs?: number;
  log: (line: string) => void;
}

/** What a command gives back for its status comment. */
export interface Outcome {
  /** The result, in Markdown. */
  result: string;
  /** A plan was made, which waits for its confirmation; otherwise the command is done. */
  planned?: boolean;
}

/** The settings a core operation takes: where, and that this operation holds the lock. */
export function commandSettings(context: CommandContext): Settings {
  const { namespace, stanza, operation } = context;
  return { namespace, stanza, lockHolder: operation.id };
}

/** The settings of the plan lifecycle: the above, and where plans are recorded. */
export function planSettings(context: CommandContext): PlanSettings {
  return { ...commandSettings(context), records: context.recordsNamespace };
}

/** Where a command was asked: a plan is confirmed or cancelled from the same issue only. */
export function originOf(operation: Operation): string {
  return `${operation.owner}/${operation.repo}#${operation.issue}`;
}

/** Deterministic Job names: a repeated request finds its Job instead of making another. */
export function jobName(context: CommandContext, what: string): string {
  return jobNameFor(context.operation.id, what);
}

/** The same, for the operation of that id (a plan's Jobs are named after the plan). */
export function jobNameFor(id: string, what: string): string {
  return `pgbackrest-bot-${id}-${what}`;
}

export function timeoutMs(context: CommandContext): number {
  return context.policy.jobTimeoutMinutes * 60_000;
}
