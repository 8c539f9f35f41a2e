// /restore confirm <id> and /restore cancel <id>: the only way a plan starts or goes away.
// The core checks the confirmation (same issue, still planned, in time, a second person
// when the policy asks), takes the lock and checks the plan again under it. Refused, the
// person gets a reply; accepted, the plan's own status comment says who decided and, for a
// confirmation, shows the steps and the result below the plan.
import { OPERATION_ANNOTATION } from "../../core/names/labels.ts";
import { cancelPlan, carryOutPlan, confirmPlan } from "../../core/plans/lifecycle.ts";
import type { PlanRecord } from "../../core/plans/record.ts";
import { withoutProgress } from "../../core/progress.ts";
import { isoUtcSecond } from "../../core/time.ts";
import { failureText } from "../failure.ts";
import { viewOf } from "../plans/views.ts";
import type { Operation } from "../records.ts";
import { operationHeading, reply, StatusComment, type Target } from "../status-comment.ts";
import { type CommandContext, jobNameFor, originOf, planSettings, timeoutMs } from "./context.ts";
import { attachJobFailure, explainJobFailure } from "./job.ts";

type Decision = "confirm" | "cancel";

/** Refused: the person is told why in a reply, and this command's record says so. */
async function refuse(context: CommandContext, target: Target, error: unknown): Promise<void> {
  const { operation, records } = context;
  operation.state = "refused";
  await records.save(operation);
  await reply(context.octokit, target, `@${operation.requester}: ${failureText(error)}`);
}

/** The plan's status comment again, with who decided what, and when, below the plan. */
async function planComment(
  context: CommandContext,
  record: PlanRecord,
  decision: Decision,
  target: Target,
): Promise<{ comment: StatusComment; planned: Operation | undefined }> {
  const planned = await context.records.get(record.id);
  const who = context.operation.requester;
  const plan = viewOf(record.kind).planText(record, context.policy.secondApprover);
  const intro = `${planned ? operationHeading(planned) : `**mcpgov-backup** · plan ${record.id}`}\n\n${plan}`;
  const decided =
    decision === "cancel"
      ? `**Cancelled** by @${who} at ${isoUtcSecond(Date.now())}; nothing was changed.`
      : `**Confirmed** by @${who} at ${isoUtcSecond(Date.now())}.`;
  const comment = new StatusComment({
    octokit: context.octokit,
    target,
    heading: `${intro}\n\n${decided}`,
    id: planned?.statusCommentId,
    log: context.log,
  });
  return { comment, planned };
}

export async function decideCommand(
  context: CommandContext,
  decision: Decision,
  id: string,
  target: Target,
): Promise<void> {
  const { cluster, operation, records } = context;
  const settings = planSettings(context);
  const origin = originOf(operation);
  if (decision === "cancel") {
    let record: PlanRecord;
    try {
      record = await cancelPlan(cluster, settings, { id, origin });
    } catch (error) {
      return refuse(context, target, error);
    }
    operation.state = "succeeded";
    await records.save(operation);
    return (await planComment(context, record, decision, target)).comment.publish();
  }

  let confirmed: Awaited<ReturnType<typeof confirmPlan>>;
  try {
    confirmed = await confirmPlan(
      cluster,
      settings,
      {
        id,
        by: operation.requester,
        origin,
        secondApprover: context.policy.secondApprover,
        renewMs: context.lockRenewMs,
      },
      withoutProgress,
    );
  } catch (error) {
    return refuse(context, target, error);
  }
  operation.state = "succeeded";
  await records.save(operation);
  const { record } = confirmed.stored;
  const { comment, planned } = await planComment(context, record, decision, target);
  // The plan's own context from here: its Jobs are named and annotated after it.
  const planContext: CommandContext = {
    ...context,
    operation: planned ?? operation,
    comment,
    annotations: { ...context.annotations, [OPERATION_ANNOTATION]: record.id },
  };
  const view = viewOf(record.kind);
  const started = Date.now();
  try {
    const outcome = await carryOutPlan(
      cluster,
      { ...settings, lockHolder: record.id },
      confirmed,
      {
        jobName: (what) => jobNameFor(record.id, what),
        annotations: planContext.annotations,
        timeoutMs: timeoutMs(context),
      },
      comment.step.bind(comment),
    );
    const took = ((Date.now() - started) / 1000).toFixed(1);
    await comment.finish(`${view.resultText(record, outcome.result)}\n\n_Done in ${took} s._`);
  } catch (error) {
    const attach = (failure: Parameters<typeof attachJobFailure>[1]) =>
      attachJobFailure(planContext, failure);
    const shown =
      view.explain?.(record, error, context.namespace, attach) ??
      explainJobFailure(planContext, error);
    await comment.finish(failureText(shown));
  }
}
