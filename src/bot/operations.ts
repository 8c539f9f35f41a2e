// The bot's memory is in the cluster, not in its process: one ConfigMap per command (named
// after the comment, so a redelivered webhook finds its record and does nothing), in the
// bot's own namespace, where no product configuration lives; and the lock (core/lock.ts)
// in the product's namespace, renewed while its operation runs. Both are created, never
// overwritten, so two bot processes cannot both win.
import { AlreadyExistsError, type Cluster, type KubeObject } from "../core/cluster.ts";
import { type HeldLock, readLock, releaseLock, renewLock, takeLock } from "../core/lock.ts";
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
  /** pgBackRest's --target, UTC: 2026-11-24 20:15:33.250000+00; for a mark, when it was made. */
  target: string;
  /** The mark recovery stops at exactly, for /restore pitr mark:NAME. */
  mark?: string;
  /** /restore latest: every archived WAL; target is the window's end when planned. */
  latest?: boolean;
  /** /restore table: the table copied back ([database.]schema.table), not production rewound. */
  table?: string;
  targetEpochMs: number;
  backupLabel: string;
  /** The repository that holds it (pgBackRest reads repo1 first); absent in older records. */
  backupRepo?: number;
  /** The timeline recovery follows, and production's when planned; absent in older records. */
  timeline?: number;
  currentTimeline?: number;
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

export function operationId(commentId: number): string {
  return commentId.toString(36);
}

/** How often a held lock is renewed by default: well inside its lease. */
export const LOCK_RENEW_MS = 60_000;

export class OperationStore {
  private readonly cluster: Cluster;
  /** Where the records live: the bot's own namespace. */
  private readonly namespace: string;
  /** Where the lock lives: the product's namespace. */
  private readonly productNamespace: string;
  private readonly renewals = new Map<string, NodeJS.Timeout>();
  private readonly renewMs: number;

  constructor(
    cluster: Cluster,
    namespace: string,
    productNamespace: string,
    renewMs = LOCK_RENEW_MS,
  ) {
    this.cluster = cluster;
    this.namespace = namespace;
    this.productNamespace = productNamespace;
    this.renewMs = renewMs;
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

  /**
   * Removes the records of operations created more than `keepDays` ago, except a plan still
   * waiting and an operation still running (a bot killed mid-restore leaves one for the
   * operator); returns how many went.
   */
  async prune(keepDays: number, now = Date.now()): Promise<number> {
    const records = await this.cluster.list("ConfigMap", this.namespace, {
      ...LABELS,
      "app.kubernetes.io/component": "bot-operation",
    });
    let removed = 0;
    for (const record of records) {
      const json = (record.data as Record<string, string> | undefined)?.["operation.json"];
      let operation: Partial<Operation> = {};
      try {
        operation = JSON.parse(json ?? "{}") as Operation;
      } catch {
        // A record that cannot be read is old news if its object is old.
      }
      const created = Date.parse(operation.createdAt ?? record.metadata.creationTimestamp ?? "");
      const waiting =
        operation.state === "planned" && Date.parse(operation.plan?.expiresAt ?? "") > now;
      const live = operation.state === "running" || waiting;
      if (live || !(now - created > keepDays * 86_400_000)) continue;
      await this.cluster.delete("ConfigMap", this.namespace, record.metadata.name);
      removed++;
    }
    return removed;
  }

  /** Takes the lock for the operation and renews it until unlock or keep; LockedError if held. */
  async lock(operation: Operation, command: string): Promise<void> {
    await takeLock(this.cluster, this.productNamespace, {
      operation: operation.id,
      command,
      requester: operation.requester,
    });
    this.stopRenewing(operation.id);
    const timer = setInterval(() => {
      renewLock(this.cluster, this.productNamespace, operation.id).catch(() => {
        // The next renewal tries again; a lease not renewed for its duration goes stale.
      });
    }, this.renewMs);
    timer.unref();
    this.renewals.set(operation.id, timer);
  }

  /** Who holds the lock now, if anyone. */
  holder(): Promise<HeldLock | undefined> {
    return readLock(this.cluster, this.productNamespace);
  }

  /** Releases the lock if this operation holds it. */
  async unlock(operation: Pick<Operation, "id">): Promise<void> {
    this.stopRenewing(operation.id);
    await releaseLock(this.cluster, this.productNamespace, operation.id);
  }

  /**
   * Stops renewing but keeps the lock: production is down half-way, and nothing may run
   * until a person has looked. The lease goes stale, and every refusal says so.
   */
  keepLock(operation: Operation): void {
    this.stopRenewing(operation.id);
  }

  private stopRenewing(id: string): void {
    clearInterval(this.renewals.get(id));
    this.renewals.delete(id);
  }
}
