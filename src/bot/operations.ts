// The bot's memory is in the cluster, not in its process: one ConfigMap per command (named
// after the comment, so a redelivered webhook finds its record and does nothing), and a
// lock ConfigMap that one backup, validation or restore holds at a time. Both are created,
// never overwritten, so two bot processes cannot both win.
import { AlreadyExistsError, type Cluster, type KubeObject } from "../core/cluster.ts";
import type { Command } from "./command.ts";
import type { Workload } from "./policy.ts";

export type OperationState =
  | "received"
  | "planned"
  | "running"
  | "succeeded"
  | "failed"
  | "cancelled"
  | "expired"
  | "refused";

export interface RestorePlanRecord {
  /** pgBackRest's --target, UTC: 2026-11-24 20:15:33.250000+00 */
  target: string;
  targetEpochMs: number;
  backupLabel: string;
  /** The repository that holds it (pgBackRest reads repo1 first); absent in older records. */
  backupRepo?: number;
  window: { start: string; end: string };
  workloads: Workload[];
  estimateSeconds: number;
  expiresAt: string;
}

export interface Operation {
  /** The comment's id in base 36: short enough to type in `/restore confirm`. */
  id: string;
  command: Command;
  requester: string;
  owner: string;
  repo: string;
  issue: number;
  commentUrl: string;
  deliveryId: string;
  createdAt: string;
  state: OperationState;
  statusCommentId?: number;
  plan?: RestorePlanRecord;
  confirmedBy?: string;
  /** Replica counts of the workloads a restore stopped, to start them again. */
  stoppedReplicas?: Record<string, number>;
}

const LABELS = {
  "app.kubernetes.io/name": "mcpgov-backup-bot",
  "app.kubernetes.io/part-of": "mcpgov-backup",
};

export const LOCK_NAME = "mcpgov-backup-lock";

export function operationId(commentId: number): string {
  return commentId.toString(36);
}

/** Who holds the lock, as its ConfigMap says. */
export interface LockHolder {
  operation: string;
  command: string;
  requester: string;
  since: string;
}

export class LockedError extends Error {
  readonly holder: LockHolder;
  constructor(holder: LockHolder) {
    super(
      `another operation is running: \`${holder.command}\` (op ${holder.operation}) by @${holder.requester} since ${holder.since}`,
    );
    this.name = "LockedError";
    this.holder = holder;
  }
}

export class OperationStore {
  private readonly cluster: Cluster;
  private readonly namespace: string;

  constructor(cluster: Cluster, namespace: string) {
    this.cluster = cluster;
    this.namespace = namespace;
  }

  private configMap(name: string, data: Record<string, string>, component: string): KubeObject {
    return {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name,
        namespace: this.namespace,
        labels: { ...LABELS, "app.kubernetes.io/component": component },
      },
      data,
    };
  }

  /** Records a new operation; false when it was recorded before (a redelivered webhook). */
  async create(operation: Operation): Promise<boolean> {
    try {
      await this.cluster.create(
        this.configMap(
          `mcpgov-bot-op-${operation.id}`,
          { "operation.json": JSON.stringify(operation) },
          "bot-operation",
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof AlreadyExistsError) return false;
      throw error;
    }
  }

  async get(id: string): Promise<Operation | undefined> {
    const object = await this.cluster.get("ConfigMap", this.namespace, `mcpgov-bot-op-${id}`);
    const json = (object?.data as Record<string, string> | undefined)?.["operation.json"];
    return json ? (JSON.parse(json) as Operation) : undefined;
  }

  async save(operation: Operation): Promise<void> {
    await this.cluster.apply([
      this.configMap(
        `mcpgov-bot-op-${operation.id}`,
        { "operation.json": JSON.stringify(operation) },
        "bot-operation",
      ),
    ]);
  }

  /** Takes the lock for the operation, or throws LockedError naming who holds it. */
  async lock(operation: Operation, command: string): Promise<void> {
    const holder: LockHolder = {
      operation: operation.id,
      command,
      requester: operation.requester,
      since: new Date().toISOString(),
    };
    try {
      await this.cluster.create(this.configMap(LOCK_NAME, { ...holder }, "bot-lock"));
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      const unknown = { operation: "?", command: "?", requester: "?", since: "?" };
      throw new LockedError((await this.holder()) ?? unknown);
    }
  }

  /** Who holds the lock now, if anyone. */
  async holder(): Promise<LockHolder | undefined> {
    const lock = await this.cluster.get("ConfigMap", this.namespace, LOCK_NAME);
    return lock ? (lock.data as unknown as LockHolder) : undefined;
  }

  /** Releases the lock if this operation holds it. */
  async unlock(operation: Operation): Promise<void> {
    const holder = await this.holder();
    if (holder?.operation === operation.id)
      await this.cluster.delete("ConfigMap", this.namespace, LOCK_NAME);
  }
}
