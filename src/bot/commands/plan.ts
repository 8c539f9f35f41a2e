// /restore pitr <time>, /restore latest and /restore table <table> <point>: the plan, never
// the change. The core plans it (no other operation holding the lock, nothing running,
// the point in the recovery window) and records it; the comment shows what would happen
// and waits for `/restore confirm <id>` (confirm.ts).
import { makePlan } from "../../core/plans/lifecycle.ts";
import type { PlanKind } from "../../core/plans/record.ts";
import { commandText } from "../command.ts";
import { viewOf } from "../plans/views.ts";
import { type CommandContext, type Outcome, originOf, planSettings } from "./context.ts";
import { operate } from "./job.ts";

export async function planCommand(
  context: CommandContext,
  request: { kind: PlanKind; point: string; table?: string },
): Promise<Outcome> {
  const { policy, operation } = context;
  const record = await operate(context, (cluster, _settings, progress) =>
    makePlan(
      cluster,
      planSettings(context),
      {
        ...request,
        id: operation.id,
        command: commandText(operation.command),
        requester: operation.requester,
        origin: originOf(operation),
        assumeUtc: policy.assumeUtc,
        workloads: policy.stopWorkloads,
        confirmMinutes: policy.confirmMinutes,
      },
      progress,
    ),
  );
  return { result: viewOf(record.kind).planText(record, policy.secondApprover), planned: true };
}
