// A planned change of production, from request to result, written once for every face:
// plan (nobody else may hold the lock; the point checked against the recovery window; the
// plan recorded), confirm (same origin, in time, a second person when asked; the lock
// taken; everything checked again under it; the record moved on only if nobody moved it
// first), cancel, carry out (the kind's own procedure; the record keeps the outcome; the
// lock is released, or kept when production is left down), and reconcile a lock whose
// holder died. A face renders what these return and the UserErrors they throw.
import { type Cluster, ConflictError } from "../cluster.ts";
import {
  type HeldLockHandle,
  holdLock,
  type LockReconciled,
  reconcileLock,
  requireUnlocked,
} from "../lock.ts";
import type { Workload } from "../names/kinds.ts";
import { RestoreStoppedError } from "../operations/restore.ts";
import {
  checkPoint,
  planRestore,
  recheckPlan,
  requireNoRunningJobs,
} from "../operations/restore-plan.ts";
import { parseTableRef } from "../operations/restore-table.ts";
import type { Progress } from "../progress.ts";
import type { Settings } from "../settings.ts";
import { isoUtcSecond } from "../time.ts";
import { UserError } from "../user-error.ts";
import { type CarryOutRequest, PLAN_KINDS, type PlanOutcome } from "./kinds.ts";
import {
  PLAN_VERSION,
  type PlanKind,
  type PlanRecord,
  PlanRecords,
  type PlanState,
  type StoredPlan,
} from "./record.ts";

export interface PlanSettings extends Settings {
  /** The namespace the plans are recorded in: the face's own, never the product's. */
  records: string;
}

export interface PlanRequest {
  /** The face's id of the request; the plan, its lock and its Jobs are named after it. */
  id: string;
  kind: PlanKind;
  /** A time, mark:NAME or latest, as the person wrote it. */
  point: string;
  /** Kind table: [database.]schema.table. */
  table?: string;
  /** The request in the person's words, shown to whoever finds the lock held. */
  command: string;
  requester: string;
  origin: string;
  /** Read a time without a zone as UTC. */
  assumeUtc?: boolean;
  /** Stopped around a restore that stops production; not used by kinds that do not. */
  workloads: Workload[];
  confirmMinutes: number;
}

export interface Confirmation {
  id: string;
  /** Who confirms, and where: the plan's own origin only. */
  by: string;
  origin: string;
  /** The policy asks for someone other than the requester. */
  secondApprover: boolean;
  /** How often the lock is renewed while the plan is carried out. */
  renewMs?: number;
}

/** A plan moved to running under the lock, ready to carry out. */
export interface ConfirmedPlan {
  stored: StoredPlan;
  lock: HeldLockHandle;
}

/** Where a plan that can no longer be confirmed or cancelled has got to, as a sentence ends. */
const WHERE_IT_IS: Record<PlanState, string> = {
  planned: "is planned",
  running: "is already running",
  succeeded: "has already been carried out",
  failed: "has already been tried and failed",
  cancelled: "was cancelled",
  expired: "has expired",
};

/**
 * A plan's arguments (its table, its point), checked before anything is asked of the
 * cluster; the bot checks a command with it before recording it.
 */
export function checkPlanRequest(
  request: Pick<PlanRequest, "kind" | "point" | "table" | "assumeUtc">,
): void {
  const facts = PLAN_KINDS[request.kind];
  if (facts.takesTable) parseTableRef(request.table ?? "");
  if (!facts.newest) checkPoint({ time: request.point, assumeUtc: request.assumeUtc });
}

export async function makePlan(
  cluster: Cluster,
  settings: PlanSettings,
  request: PlanRequest,
  progress: Progress,
): Promise<PlanRecord> {
  const facts = PLAN_KINDS[request.kind];
  checkPlanRequest(request);
  await progress("check that no other operation holds the lock", () =>
    requireUnlocked(cluster, settings, `Plan the ${facts.noun} when it has finished.`),
  );
  const restore = await planRestore(
    cluster,
    settings,
    { time: facts.newest ? "latest" : request.point, assumeUtc: request.assumeUtc },
    progress,
  );
  const now = Date.now();
  const record: PlanRecord = {
    version: PLAN_VERSION,
    id: request.id,
    kind: request.kind,
    command: request.command,
    requester: request.requester,
    origin: request.origin,
    namespace: settings.namespace,
    stanza: settings.stanza,
    ...(request.table !== undefined ? { table: request.table } : {}),
    restore,
    workloads: facts.stopsProduction ? request.workloads : [],
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + request.confirmMinutes * 60_000).toISOString(),
    state: "planned",
  };
  await progress("record the plan", () =>
    new PlanRecords(cluster, settings.records).create(record),
  );
  return record;
}

/** What a confirmation or a cancellation that came too late did: nothing, said its way. */
type Decision = "confirm" | "cancel";
const NOTHING_DONE: Record<Decision, string> = {
  confirm: "nothing new was started",
  cancel: "it was not cancelled",
};

/** Where the plan is, and that this decision did nothing to it. */
function tooLate(id: string, state: PlanState, decision: Decision): string {
  // A plan that ended without starting: a cancel has nothing left to do.
  if (decision === "cancel" && state === "cancelled")
    return `Restore ${id} was cancelled already; there is nothing to cancel.`;
  if (decision === "cancel" && state === "expired")
    return `Restore ${id} has expired; there is nothing to cancel.`;
  return `Restore ${id} ${WHERE_IT_IS[state]}; ${NOTHING_DONE[decision]}.`;
}

/** The plan, still waiting, asked for from where it was made. */
async function waitingPlan(
  records: PlanRecords,
  where: Settings,
  id: string,
  origin: string,
  decision: Decision,
): Promise<StoredPlan> {
  const stored = await records.read(id);
  // Another database's plan is not this one's to confirm, even from the same issue.
  const { namespace, stanza } = stored?.record ?? {};
  if (
    !stored ||
    stored.record.origin !== origin ||
    namespace !== where.namespace ||
    stanza !== where.stanza
  )
    throw new UserError(`There is no planned restore ${id} here; plan one first.`);
  if (stored.record.state !== "planned")
    throw new UserError(tooLate(id, stored.record.state, decision));
  return stored;
}

/**
 * Moves a read record on, unless someone else moved it first: then says where that left
 * it (cancelled, running, ...) and that this decision did nothing.
 */
async function moveOn(
  records: PlanRecords,
  where: Settings,
  stored: StoredPlan,
  change: Partial<PlanRecord>,
  decision: Decision,
): Promise<StoredPlan> {
  try {
    return await records.save({ ...stored, record: { ...stored.record, ...change } });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const { id, origin } = stored.record;
    await waitingPlan(records, where, id, origin, decision);
    // Still planned, at a newer version: changed by hand; this decision is not taken on it.
    throw new UserError(
      `Restore ${id} was changed by another request meanwhile; ${NOTHING_DONE[decision]}. Try again.`,
    );
  }
}

export async function confirmPlan(
  cluster: Cluster,
  settings: PlanSettings,
  confirmation: Confirmation,
  progress: Progress,
): Promise<ConfirmedPlan> {
  const { id, by, origin } = confirmation;
  const records = new PlanRecords(cluster, settings.records);
  const first = await waitingPlan(records, settings, id, origin, "confirm");
  const expiresAt = Date.parse(first.record.expiresAt);
  // A plan without a readable expiry has expired: it was never one this product made.
  if (!(Date.now() <= expiresAt)) {
    await moveOn(records, settings, first, { state: "expired" }, "confirm");
    const when = Number.isNaN(expiresAt) ? "(it has no expiry)" : `at ${isoUtcSecond(expiresAt)}`;
    throw new UserError(`Restore ${id} expired ${when}; nothing was started. Plan it again.`);
  }
  if (confirmation.secondApprover && by === first.record.requester)
    throw new UserError(
      `The policy asks for a second person: someone other than @${first.record.requester} must confirm restore ${id}.`,
    );
  const facts = PLAN_KINDS[first.record.kind];
  const lock = await holdLock(
    cluster,
    settings.namespace,
    {
      operation: id,
      command: first.record.command,
      requester: first.record.requester,
      ifInterrupted: facts.ifInterrupted,
    },
    confirmation.renewMs,
  );
  // Read again under the lock: a confirmation handled meanwhile has moved it on; and a
  // scheduled Job may have started, or an expire removed the set, since it was planned.
  try {
    const stored = await waitingPlan(records, settings, id, origin, "confirm");
    await progress("check that no backup, validation or restore is running", () =>
      requireNoRunningJobs(cluster, settings.namespace),
    );
    await recheckPlan(cluster, { ...settings, lockHolder: id }, stored.record.restore, progress);
    const change = { state: "running" as const, confirmedBy: by };
    const running = await moveOn(records, settings, stored, change, "confirm");
    return { stored: running, lock };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

export async function cancelPlan(
  cluster: Cluster,
  settings: PlanSettings,
  request: { id: string; origin: string },
): Promise<PlanRecord> {
  const records = new PlanRecords(cluster, settings.records);
  const stored = await waitingPlan(records, settings, request.id, request.origin, "cancel");
  return (await moveOn(records, settings, stored, { state: "cancelled" }, "cancel")).record;
}

/**
 * Carries out a confirmed plan by its kind's procedure. The record keeps the outcome and
 * the replicas of what was stopped; the lock is released, or kept (and no longer
 * renewed) when the failure left production down, so nothing starts on it.
 */
export async function carryOutPlan(
  cluster: Cluster,
  settings: PlanSettings,
  confirmed: ConfirmedPlan,
  request: Omit<CarryOutRequest, "onStopping">,
  progress: Progress,
): Promise<PlanOutcome> {
  const { record } = confirmed.stored;
  const records = new PlanRecords(cluster, settings.records);
  const ending = (state: PlanState) =>
    records.change(record.id, (r) => {
      r.state = state;
    });
  let keepLock = false;
  try {
    const outcome = await PLAN_KINDS[record.kind].carryOut(
      cluster,
      { ...settings, lockHolder: record.id },
      record,
      {
        ...request,
        // Kept in the record: if the face dies half way, a person can still start them.
        onStopping: (replicas) =>
          records.change(record.id, (r) => {
            r.stoppedReplicas = replicas;
          }),
      },
      progress,
    );
    await ending("succeeded");
    return outcome;
  } catch (error) {
    keepLock = error instanceof RestoreStoppedError && error.productionDown;
    await ending("failed").catch(() => {});
    throw error;
  } finally {
    if (keepLock) confirmed.lock.keep();
    else await confirmed.lock.release().catch(() => {});
  }
}

/**
 * At start: a stale lock is released or kept as its holder's kind says (core/lock.ts); a
 * plan whose lock is released while it ran has failed.
 */
export async function reconcilePlans(
  cluster: Cluster,
  settings: PlanSettings,
): Promise<LockReconciled | undefined> {
  const found = await reconcileLock(cluster, settings.namespace);
  if (found?.found === "interrupted" && found.released)
    await new PlanRecords(cluster, settings.records)
      .change(found.held.operation, (r) => {
        if (r.state === "running") r.state = "failed";
      })
      .catch(() => {
        // Not a plan's lock, or a record of another version: nothing of a plan to mark.
      });
  return found;
}
