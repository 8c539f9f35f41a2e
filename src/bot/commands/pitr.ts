// /restore pitr <time>: the plan, never the restore. The bot checks that it holds no
// lock for another operation; the core's restore plan checks the rest (the time, running
// Jobs, the recovery window). Then it posts what would happen and waits for
// `/restore confirm <id>` (confirm.ts carries it out).

import { requireUnlocked } from "../../core/lock.ts";
import { planRestore } from "../../core/operations/restore-plan.ts";
import { isoUtcSecond } from "../../core/time.ts";
import type { RestorePlanRecord } from "../operations.ts";
import { code } from "../status-comment.ts";
import type { CommandContext } from "./context.ts";
import { operate } from "./job.ts";
import type { Outcome } from "./registry.ts";

export async function pitrCommand(context: CommandContext, time: string): Promise<Outcome> {
  const { policy, operation } = context;
  await context.comment.step("check that the bot is not busy with another operation", () =>
    requireUnlocked(context.cluster, context, "Plan the restore when it has finished."),
  );
  const request = { time, assumeUtc: policy.assumeUtc };
  const plan = await operate(context, (cluster, settings, progress) =>
    planRestore(cluster, settings, request, progress),
  );
  const record: RestorePlanRecord = {
    ...plan,
    workloads: policy.stopWorkloads,
    expiresAt: new Date(Date.now() + policy.confirmMinutes * 60_000).toISOString(),
  };
  const result = planText(operation.id, operation.requester, record, policy.secondApprover);
  return { result, plan: record };
}

/** Where a plan restores to, as its comment says it. */
function planTarget(plan: RestorePlanRecord): string {
  const utc = plan.target.replace(/\+00$/, " UTC");
  if (plan.latest) return `the newest state: every archived WAL (up to ${utc} when planned)`;
  return plan.mark ? `mark ${plan.mark}, made ${utc}` : utc;
}

export function planText(
  id: string,
  requester: string,
  plan: RestorePlanRecord,
  secondApprover: boolean,
): string {
  const workloads = plan.workloads.map((w) => code(`${w.kind.toLowerCase()}/${w.name}`));
  const who = secondApprover ? `, by someone other than @${requester}` : "";
  return [
    `**Plan — nothing has changed yet.** Restore production to **${planTarget(plan)}**:`,
    `- backup set ${code(plan.backupLabel)}${plan.backupRepo ? ` from repo${plan.backupRepo}` : ""}, then WAL up to the ${plan.latest ? "end of the archive" : plan.mark ? "mark itself" : "target"}; the server is promoted onto a new timeline`,
    ...(plan.timeline !== undefined && plan.timeline !== plan.currentTimeline
      ? [
          `- the target is on timeline ${plan.timeline}, which an earlier restore left (production is on timeline ${plan.currentTimeline}): recovery follows timeline ${plan.timeline}`,
        ]
      : []),
    `- recovery window checked: ${plan.window.start} → ${plan.window.end}`,
    "- first a safety backup (incr), so that this restore can itself be undone",
    workloads.length > 0
      ? `- stops ${workloads.join(", ")} and then ${code("statefulset/postgres")} for the restore, and starts them again afterwards`
      : `- stops ${code("statefulset/postgres")} for the restore and starts it again afterwards`,
    `- estimated duration: about ${Math.ceil(plan.estimateSeconds / 60)} min (safety backup, restore, start and checks)`,
    plan.latest
      ? "- what was written after the last archived WAL segment is not in the restored database"
      : "- what was written after the target is not in the restored database (it stays in the repository, on the old timeline)",
    "",
    `To go ahead: \`/restore confirm ${id}\` before ${isoUtcSecond(Date.parse(plan.expiresAt))}${who}. To drop it: \`/restore cancel ${id}\`.`,
  ].join("\n");
}
