// The bot's memory is in the cluster, not in its process: one ConfigMap per command (named
// after the comment, so a redelivered webhook finds its record and does nothing), in the
// bot's own namespace, where no product configuration lives. It is created, never
// overwritten, so two bot processes cannot both take a comment. A plan waits in a record
// of its own (core/plans/record.ts); the lock is core/lock.ts's.
import type { Cluster } from "../core/cluster.ts";
import { JsonRecords } from "../core/json-records.ts";
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
  /** The targets it acts on, by name: one, or each of a repository's for `/backup status`. */
  targets: string[];
  /** The comment that shows it; a plan's, edited again when it is confirmed or cancelled. */
  statusCommentId?: number;
}

/** The bot's own name on its records, as its manifests (manifests/bot/) name it. */
const LABELS = { [NAME_LABEL]: "mcpgov-backup-bot", ...productLabels(COMPONENT.botOperation) };

const KEY = "operation.json";

export function operationId(commentId: number): string {
  return commentId.toString(36);
}

/** The bot's records, one per command it accepted, in its own namespace. */
export class OperationRecords {
  private readonly records: JsonRecords<Operation>;

  constructor(cluster: Cluster, namespace: string) {
    this.records = new JsonRecords({
      cluster,
      namespace,
      name: recordName,
      labels: LABELS,
      key: KEY,
    });
  }

  /** Records a new operation; false when it was recorded before (a redelivered webhook). */
  create(operation: Operation): Promise<boolean> {
    return this.records.create(operation.id, operation);
  }

  async get(id: string): Promise<Operation | undefined> {
    return (await this.records.read(id))?.value as Operation | undefined;
  }

  save(operation: Operation): Promise<void> {
    return this.records.put(operation.id, operation);
  }

  /**
   * Removes the records of operations created more than `keepDays` ago, except one still
   * running; returns how many went. (A plan's own record, core/plans/record.ts, is pruned
   * by its own rule.)
   */
  prune(keepDays: number, now = Date.now()): Promise<number> {
    return this.records.prune(keepDays, (operation) => operation.state === "running", now);
  }
}
