// /restore table <[database.]schema.table> <time|mark:NAME>: plans copying one table as it
// was at a point into production under a new name (core/operations/restore-table.ts);
// `/restore confirm` carries it out. Production is neither stopped nor rewound: the
// plan, the confirmation, the permission and the lock are a restore's all the same,
// because it writes into production.
import { requireUnlocked } from "../../core/lock.ts";
import { planRestore } from "../../core/operations/restore-plan.ts";
import { parseTableRef, restoredName, restoreTable } from "../../core/operations/restore-table.ts";
import { isoUtcSecond } from "../../core/time.ts";
import type { Operation, RestorePlanRecord } from "../operations.ts";
import { code } from "../status-comment.ts";
import { type CommandContext, settingsOf, timeoutMs } from "./context.ts";
import { explainJobFailure } from "./job.ts";
import type { Outcome } from "./registry.ts";

export async function tableCommand(
  context: CommandContext,
  table: string,
  point: string,
): Promise<Outcome> {
  const { policy, operation } = context;
  // A name that is not a table is refused before anything is planned.
  parseTableRef(table);
  await context.comment.step("check that the bot is not busy with another operation", () =>
    requireUnlocked(context.cluster, context, "Plan the table's restore when it has finished."),
  );
  const plan = await planRestore(
    context.cluster,
    settingsOf(context),
    { time: point, assumeUtc: policy.assumeUtc },
    context.comment.step.bind(context.comment),
  );
  const record: RestorePlanRecord = {
    ...plan,
    table,
    workloads: [],
    expiresAt: new Date(Date.now() + policy.confirmMinutes * 60_000).toISOString(),
  };
  return {
    result: tablePlanText(operation.id, operation.requester, record, policy.secondApprover),
    plan: record,
  };
}

export function tablePlanText(
  id: string,
  requester: string,
  plan: RestorePlanRecord,
  secondApprover: boolean,
): string {
  const ref = parseTableRef(plan.table ?? "");
  const copy = `${ref.schema}.${restoredName(ref.table, plan.targetEpochMs)}`;
  const at = plan.mark ? `mark ${plan.mark}, made ${plan.target}` : plan.target;
  const who = secondApprover ? `, by someone other than @${requester}` : "";
  return [
    `**Plan — nothing has changed yet.** Copy table ${code(`${ref.schema}.${ref.table}`)}${ref.database ? ` of database ${code(ref.database)}` : ""} as it was at **${at}** into production as ${code(copy)}:`,
    `- a clone of that point (backup set ${code(plan.backupLabel)} from repo${plan.backupRepo}, then WAL to the ${plan.mark ? "mark" : "target"}; only the table's database) is the source, and is removed afterwards`,
    `- production is **not stopped and not rewound**: it keeps every write; the live table is not touched, the copy is a new table beside it (its rows and columns; no keys, indexes or grants)`,
    `- recovery window checked: ${plan.window.start} → ${plan.window.end}`,
    `- estimated duration: about ${Math.ceil(plan.estimateSeconds / 60)} min`,
    "",
    `To go ahead: \`/restore confirm ${id}\` before ${isoUtcSecond(Date.parse(plan.expiresAt))}${who}. To drop it: \`/restore cancel ${id}\`.`,
  ].join("\n");
}

/** Carries out a confirmed table plan; the result gives the counts and the SQL to use it. */
export async function restoreTableCommand(
  context: CommandContext,
  planned: Operation,
): Promise<string> {
  const plan = planned.plan;
  if (!plan?.table || plan.backupRepo === undefined || plan.timeline === undefined)
    throw new Error(`operation ${planned.id} has no table plan`);
  const result = await restoreTable(
    context.cluster,
    settingsOf(context),
    {
      table: parseTableRef(plan.table),
      plan: {
        ...plan,
        backupRepo: plan.backupRepo,
        timeline: plan.timeline,
        currentTimeline: plan.currentTimeline ?? plan.timeline,
      },
      cloneId: planned.id,
      annotations: context.annotations,
      timeoutMs: timeoutMs(context),
    },
    context.comment.step.bind(context.comment),
  ).catch((error: unknown) => {
    throw explainJobFailure(context, error);
  });
  const live =
    result.liveRows === null
      ? `${code(result.source)} does not exist now`
      : `the live ${code(result.source)} has ${result.liveRows} rows and was not touched`;
  return [
    `✅ ${code(`${result.database}.${result.restoredAs}`)} holds **${result.rowsCopied} rows**, exactly the ${result.rowsAtPoint} that ${code(result.source)} had at ${result.clone.point}; ${live}. The clone it came from is removed.`,
    "Next, when the copy is what you want:",
    `- put it in the table's place: ${code(result.sql.swap)}`,
    ...(result.sql.merge
      ? [`- or add its missing rows to the live table: ${code(result.sql.merge)}`]
      : []),
  ].join("\n");
}
