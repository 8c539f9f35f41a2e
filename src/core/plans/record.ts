// A planned change of production, as it waits for its confirmation and then as it is
// carried out: one ConfigMap per plan in the records' namespace (never the product's, where
// a face may touch no ConfigMap). It is created, never overwritten, and every later change
// holds to the version it read (Cluster.update), so a confirmation and a cancellation, or
// two confirmations, cannot both win. A record of another version is not read as a plan:
// whoever holds it plans again.
import { type Cluster, ConflictError } from "../cluster.ts";
import { JsonRecords } from "../json-records.ts";
import type { Workload } from "../names/kinds.ts";
import { COMPONENT, NAME_LABEL, PRODUCT, productLabels } from "../names/labels.ts";
import { planRecordName } from "../names/objects.ts";
import type { RestorePlan } from "../operations/restore-plan.ts";
import { UserError } from "../user-error.ts";

/** The record's shape; a record of any other is planned again, not read. */
export const PLAN_VERSION = 3;

/** The kinds of planned change; kinds.ts holds what differs between them. */
export type PlanKind = "pitr" | "latest" | "table";

export type PlanState = "planned" | "running" | "succeeded" | "failed" | "cancelled" | "expired";

export interface PlanRecord {
  version: typeof PLAN_VERSION;
  /** The face's id of the request that planned it (the bot: the comment's, in base 36). */
  id: string;
  kind: PlanKind;
  /** The request in the person's words ("/restore pitr 2026-11-24 14:30:00+00"). */
  command: string;
  requester: string;
  /** Where it was asked, in the face's words (owner/repo#issue): confirmations come from there. */
  origin: string;
  /**
   * The database it changes: one face keeps the plans of several in one namespace, and a
   * confirmation for another database must not find this one.
   */
  namespace: string;
  stanza: string;
  /** Kind table: the table copied back, [database.]schema.table. */
  table?: string;
  /** The point, backup set, repository and timelines fixed when it was planned. */
  restore: RestorePlan;
  /** Stopped before PostgreSQL and started again after it; none when production is not stopped. */
  workloads: Workload[];
  createdAt: string;
  expiresAt: string;
  state: PlanState;
  confirmedBy?: string;
  /** Replica counts of the workloads the restore stopped, to start them again by hand. */
  stoppedReplicas?: Record<string, number>;
}

/** A record as read, with the version a change to it must hold to. */
export interface StoredPlan {
  record: PlanRecord;
  resourceVersion: string;
}

const LABELS = { [NAME_LABEL]: PRODUCT, ...productLabels(COMPONENT.plan) };

const KEY = "plan.json";

export class PlanRecords {
  private readonly records: JsonRecords<PlanRecord>;

  constructor(cluster: Cluster, namespace: string) {
    const name = planRecordName;
    this.records = new JsonRecords({ cluster, namespace, name, labels: LABELS, key: KEY });
  }

  /** Records a new plan; a plan of that id recorded before (a repeated request) is refused. */
  async create(record: PlanRecord): Promise<void> {
    if (!(await this.records.create(record.id, record)))
      throw new UserError(`Plan ${record.id} was made before; nothing new was planned.`);
  }

  /** The plan, or undefined when there is none; a record of another version is refused. */
  async read(id: string): Promise<StoredPlan | undefined> {
    const stored = await this.records.read(id);
    if (!stored) return undefined;
    const record = stored.value as PlanRecord;
    if (record.version !== PLAN_VERSION)
      throw new UserError(
        `Plan ${id} was made by an older version of mcpgov-backup, which recorded less than a restore needs now; plan it again.`,
      );
    return { record, resourceVersion: stored.resourceVersion };
  }

  /**
   * Writes the changed record if nobody changed it since it was read: ConflictError
   * otherwise. Returns the record with its new version.
   */
  async save(stored: StoredPlan): Promise<StoredPlan> {
    const { record, resourceVersion } = stored;
    const written = await this.records.update(record.id, { value: record, resourceVersion });
    return { record, resourceVersion: written };
  }

  /**
   * Reads the record again and changes it with `change`, once more if another writer came
   * between; for changes that hold whatever else was changed (a replica count, an outcome).
   */
  async change(id: string, change: (record: PlanRecord) => void): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const stored = await this.read(id);
      if (!stored) return;
      change(stored.record);
      try {
        await this.save(stored);
        return;
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= 2) throw error;
      }
    }
  }

  /**
   * Removes the plans made more than `keepDays` ago, except one still waiting and one still
   * running (a face killed mid-restore leaves it for the operator); returns how many went.
   */
  prune(keepDays: number, now = Date.now()): Promise<number> {
    const live = (record: Partial<PlanRecord>) =>
      record.state === "running" ||
      (record.state === "planned" && Date.parse(record.expiresAt ?? "") > now);
    return this.records.prune(keepDays, live, now);
  }
}
