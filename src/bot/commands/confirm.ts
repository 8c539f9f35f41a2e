// /restore confirm <id> and /restore cancel <id>: the only way a planned restore starts
// or goes away. A confirmation is checked (same issue, still planned, in time, the second
// person when the policy asks) and then takes the lock, so that two confirmations, or a
// confirmation and a backup, cannot both run.

import { LockedError } from "../../core/lock.ts";
import { recheckPlan, requireNoRunningJobs } from "../../core/operations/restore-plan.ts";
import { withoutProgress } from "../../core/progress.ts";
import { isoUtcSecond } from "../../core/time.ts";
import { commandText, plansRestore } from "../command.ts";
import type { Operation, OperationState } from "../operations.ts";
import { type CommandContext, StoppedError, settingsOf } from "./context.ts";

/** Where a plan that can no longer be confirmed or cancelled has got to, as a sentence ends. */
const WHERE_IT_IS: Record<OperationState, string> = {
  received: "has not been planned yet",
  planned: "is planned",
  running: "is already running",
  succeeded: "has already been carried out",
  failed: "has already been tried and failed",
  cancelled: "was cancelled",
  expired: "has expired",
  refused: "was refused",
};

export async function plannedOperation(context: CommandContext, id: string): Promise<Operation> {
  const planned = await context.store.get(id);
  const here = context.operation;
  if (
    !planned ||
    !plansRestore(planned.command) ||
    planned.owner !== here.owner ||
    planned.repo !== here.repo ||
    planned.issue !== here.issue
  )
    throw new StoppedError(
      `❌ There is no planned restore ${id} on this issue. Plan one with \`/restore pitr <time>\` or \`/restore latest\`.`,
    );
  if (planned.state !== "planned")
    throw new StoppedError(`Restore ${id} ${WHERE_IT_IS[planned.state]}; nothing new was started.`);
  return planned;
}

/** Checks the confirmation and marks the plan as running; the caller then carries it out. */
export async function confirm(context: CommandContext, id: string): Promise<Operation> {
  const { store, operation, policy } = context;
  let planned = await plannedOperation(context, id);
  const expiresAt = Date.parse(planned.plan?.expiresAt ?? "");
  // A plan without a readable expiry has expired: it was never one this bot made.
  if (!(Date.now() <= expiresAt)) {
    planned.state = "expired";
    await store.save(planned);
    const when = Number.isNaN(expiresAt) ? "(it has no expiry)" : `at ${isoUtcSecond(expiresAt)}`;
    throw new StoppedError(
      `❌ Restore ${id} expired ${when}; nothing was started. Plan it again with \`/restore pitr\`.`,
    );
  }
  if (policy.secondApprover && operation.requester === planned.requester)
    throw new StoppedError(
      `❌ The policy asks for a second person: someone other than @${planned.requester} must confirm restore ${id}.`,
    );
  try {
    await store.lock(planned, commandText(planned.command));
  } catch (error) {
    if (error instanceof LockedError) throw new StoppedError(`❌ Not now: ${error.message}.`);
    throw error;
  }
  // Read again under the lock: a confirmation handled meanwhile has moved it on; and a
  // scheduled Job may have started since the plan was made.
  try {
    planned = await plannedOperation(context, id);
    await requireNoRunningJobs(context.cluster, context.namespace);
    const plan = planned.plan;
    if (plan?.backupRepo === undefined || plan.currentTimeline === undefined)
      throw new StoppedError(
        `❌ Restore ${id} was planned by an older version of the bot, which did not record the timeline; plan it again with \`/restore pitr\`.`,
      );
    await recheckPlan(
      context.cluster,
      settingsOf(context),
      { ...plan, backupRepo: plan.backupRepo, currentTimeline: plan.currentTimeline },
      withoutProgress,
    );
  } catch (error) {
    await store.unlock({ ...context.operation, id });
    throw error;
  }
  planned.state = "running";
  planned.confirmedBy = operation.requester;
  await store.save(planned);
  return planned;
}

export async function cancel(context: CommandContext, id: string): Promise<Operation> {
  const planned = await plannedOperation(context, id);
  planned.state = "cancelled";
  await context.store.save(planned);
  return planned;
}
