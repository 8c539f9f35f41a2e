// The bot's memory is in the cluster, not in its process: one ConfigMap per command (named
// after the comment, so a redelivered webhook finds its record and does nothing), in the
// bot's own namespace, where no product configuration lives. It is created, never
// overwritten, so two bot processes cannot both take a comment. A plan waits in a record
// of its own (core/plans/record.ts); the lock is core/lock.ts's.
import { AlreadyExistsError, type Cluster, type KubeObject } from "../core/cluster.ts";
import { COMPONENT, NAME_LABEL, productLabels } from "../core/names/labels.ts";
import { recordName } from "../core/names/objects.ts";
import type { Command } from "./command.ts";

export type OperationState =
  | "received"
  | "planned"
  | "running"
  | "succeeded"
  | "failed"
  | "refused";

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
  /** The comment that shows it; a plan's, edited again when it is confirmed or cancelled. */
  statusCommentId?: number;
}

/** The bot's own name on its records, as its manifests (manifests/bot/) name it. */
const LABELS = { [NAME_LABEL]: "mcpgov-backup-bot", ...productLabels(COMPONENT.botOperation) };

const KEY = "operation.json";

export function operationId(commentId: number): string {
  return commentId.toString(36);
}

export class OperationRecords {
  private readonly cluster: Cluster;
  /** Where the records live: the bot's own namespace. */
  private readonly namespace: string;

  constructor(cluster: Cluster, namespace: string) {
    this.cluster = cluster;
    this.namespace = namespace;
  }

  private configMap(operation: Operation): KubeObject {
    return {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: recordName(operation.id), namespace: this.namespace, labels: LABELS },
      data: { [KEY]: JSON.stringify(operation) },
    };
  }

  /** Records a new operation; false when it was recorded before (a redelivered webhook). */
  async create(operation: Operation): Promise<boolean> {
    try {
      await this.cluster.create(this.configMap(operation));
      return true;
    } catch (error) {
      if (error instanceof AlreadyExistsError) return false;
      throw error;
    }
  }

  async get(id: string): Promise<Operation | undefined> {
    const object = await this.cluster.get("ConfigMap", this.namespace, recordName(id));
    const json = (object?.data as Record<string, string> | undefined)?.[KEY];
    return json ? (JSON.parse(json) as Operation) : undefined;
  }

  async save(operation: Operation): Promise<void> {
    await this.cluster.apply([this.configMap(operation)]);
  }

  /**
   * Removes the records of operations created more than `keepDays` ago, except one still
   * running; returns how many went. (A plan's own record, core/plans/record.ts, is pruned
   * by its own rule.)
   */
  async prune(keepDays: number, now = Date.now()): Promise<number> {
    const records = await this.cluster.list("ConfigMap", this.namespace, LABELS);
    let removed = 0;
    for (const record of records) {
      const json = (record.data as Record<string, string> | undefined)?.[KEY];
      let operation: Partial<Operation> = {};
      try {
        operation = JSON.parse(json ?? "{}") as Operation;
      } catch {
        // A record that cannot be read is old news if its object is old.
      }
      const created = Date.parse(operation.createdAt ?? record.metadata.creationTimestamp ?? "");
      if (operation.state === "running" || !(now - created > keepDays * 86_400_000)) continue;
      await this.cluster.delete("ConfigMap", this.namespace, record.metadata.name);
      removed++;
    }
    return removed;
  }
}
