// What every command gets: the cluster, the policy, its operation record and status
// comment, and the Jobs' annotations (who asked, where, which delivery).
import type { Context } from "probot";
import type { Cluster, KubeObject } from "../../core/cluster.ts";
import type { Settings } from "../../core/settings.ts";
import type { Operation, OperationStore } from "../operations.ts";
import type { Policy } from "../policy.ts";
import type { StatusComment } from "../status-comment.ts";

export interface CommandContext {
  cluster: Cluster;
  namespace: string;
  stanza: string;
  policy: Policy;
  store: OperationStore;
  operation: Operation;
  comment: StatusComment;
  octokit: Context["octokit"];
  /** Every Job the command creates carries these. */
  annotations: Record<string, string>;
  /** manifests/restore/pgbackrest-restore-pitr-job.yaml, the template of restore Jobs. */
  restoreJob: KubeObject;
  /** manifests/restore/pgbackrest-restore-job.yaml, for /restore latest (the seed's full restore). */
  latestRestoreJob: KubeObject;
  log: (line: string) => void;
}

/** The settings a core operation takes: where, and that this operation holds the lock. */
export function settingsOf(context: CommandContext): Settings {
  const { namespace, stanza, operation } = context;
  return { namespace, stanza, lockHolder: operation.id };
}

/** Deterministic Job names: a repeated request finds its Job instead of making another. */
export function jobName(context: CommandContext, what: string): string {
  return `pgbackrest-bot-${context.operation.id}-${what}`;
}

export function timeoutMs(context: CommandContext): number {
  return context.policy.jobTimeoutMinutes * 60_000;
}

/** A step failed; the comment already shows where and what to do next. */
export class StoppedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoppedError";
  }
}
