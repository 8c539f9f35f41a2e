// /restore confirm and /restore cancel change the plan's own status comment: a cancelled
// plan says so; a confirmed one shows the restore's steps and result below the plan.

import { isoUtcSecond } from "../../core/time.ts";
import type { Operation } from "../operations.ts";
import { operationHeading, reply, StatusComment, type Target } from "../status-comment.ts";
import { cancel, confirm } from "./confirm.ts";
import { type CommandContext, StoppedError } from "./context.ts";
import { planText } from "./pitr.ts";
import { ProductionDownError, restoreCommand } from "./restore.ts";
import { restoreTableCommand, tablePlanText } from "./table.ts";

/** /restore confirm and cancel: they change the plan's own status comment. */
export async function decidePlan(
  context: CommandContext,
  decision: "confirm" | "cancel",
  id: string,
  target: Target,
): Promise<void> {
  const { operation, store } = context;
  let planned: Operation;
  try {
    planned = decision === "confirm" ? await confirm(context, id) : await cancel(context, id);
  } catch (error) {
    operation.state = "refused";
    await store.save(operation);
    const message =
      error instanceof StoppedError ? error.message : `❌ ${(error as Error).message}`;
    return reply(context.octokit, target, `@${operation.requester}: ${message}`);
  }
  operation.state = "succeeded";
  await store.save(operation);
  const plan = planned.plan;
  const describe = plan?.table ? tablePlanText : planText;
  const intro = `${operationHeading(planned)}\n\n${plan ? describe(planned.id, planned.requester, plan, context.policy.secondApprover) : ""}`;
  const when = isoUtcSecond(Date.now());
  const status = new StatusComment({
    octokit: context.octokit,
    target,
    heading:
      decision === "cancel"
        ? `${intro}\n\n**Cancelled** by @${operation.requester} at ${when}; nothing was changed.`
        : `${intro}\n\n**Confirmed** by @${operation.requester} at ${when}.`,
    id: planned.statusCommentId,
    log: context.log,
  });
  if (decision === "cancel") return status.publish();

  const started = Date.now();
  let keepLock = false;
  try {
    const carryOut = plan?.table ? restoreTableCommand : restoreCommand;
    const result = await carryOut(
      {
        ...context,
        operation: planned,
        comment: status,
        annotations: { ...context.annotations, "mcpgov-backup/operation": planned.id },
      },
      planned,
    );
    planned.state = "succeeded";
    await status.finish(`${result}\n\n_Done in ${((Date.now() - started) / 1000).toFixed(1)} s._`);
  } catch (error) {
    planned.state = "failed";
    keepLock = error instanceof ProductionDownError;
    await status.finish(
      error instanceof StoppedError ? error.message : `❌ Failed: ${(error as Error).message}`,
    );
  } finally {
    if (keepLock) store.keepLock(planned);
    else await store.unlock(planned).catch(() => {});
    await store.save(planned);
  }
}
