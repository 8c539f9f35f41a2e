// /restore pitr <time>: the plan, never the restore. It checks the time (strictly), that
// nothing else runs, and that the time lies in the recovery window; then posts what would
// happen and waits for `/restore confirm <id>` (confirm.ts carries it out).
import type { KubeObject } from "../../core/cluster.ts";
import { sealWal } from "../../core/database.ts";
import { repoOf, validBackups } from "../../core/pgbackrest/info.ts";
import { backupBefore, iso, stanzaInfo } from "../../core/repository.ts";
import { formatUtc, parsePointInTime, TimeError } from "../../core/time.ts";
import type { RestorePlanRecord } from "../operations.ts";
import { code } from "../status-comment.ts";
import { type CommandContext, databaseOf, StoppedError } from "./context.ts";

function unfinished(job: KubeObject): boolean {
  const status = job.status as
    | { conditions?: { type: string; status: string }[]; completionTime?: string }
    | undefined;
  return !status?.conditions?.some(
    (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );
}

/** Refuses while the lock is held or any backup, validation or restore Job still runs. */
export async function requireIdle(context: CommandContext): Promise<void> {
  const holder = await context.store.holder();
  if (holder)
    throw new StoppedError(
      `❌ Not now: \`${holder.command}\` (op ${holder.operation}) by @${holder.requester} has held the lock since ${holder.since}. Wait for it to finish.`,
    );
  await requireNoRunningJobs(context);
}

/** A scheduled backup or validation may be running though the bot holds no lock. */
export async function requireNoRunningJobs(context: CommandContext): Promise<void> {
  const running = (await context.cluster.list("Job", context.namespace, { app: "pgbackrest" }))
    .filter(unfinished)
    .map((j) => code(j.metadata.name));
  if (running.length > 0)
    throw new StoppedError(
      `❌ Not now: Job ${running.join(", ")} is still running. A restore must not overlap a backup or a validation; wait for it to finish.`,
    );
}

export async function pitrCommand(context: CommandContext, time: string): Promise<string> {
  const { cluster, namespace, policy, operation } = context;
  let point: ReturnType<typeof parsePointInTime>;
  try {
    point = parsePointInTime(time, { assumeUtc: policy.assumeUtc });
  } catch (error) {
    if (error instanceof TimeError) throw new StoppedError(`❌ ${error.message}`);
    throw error;
  }
  const now = Date.now();
  if (point.epochMs > now)
    throw new StoppedError(
      `❌ ${formatUtc(point.epochMs)} is in the future (it is now ${formatUtc(now)}); a restore can only go back`,
    );
  await context.comment.step("check that no backup, validation or restore is running", () =>
    requireIdle(context),
  );
  const end = await context.comment.step("archive the current WAL, so the window reaches now", () =>
    sealWal(cluster, 120_000, databaseOf(context)),
  );
  const stanza = await context.comment.step("read the repository (pgbackrest info)", () =>
    stanzaInfo(cluster, namespace, context.stanza),
  );
  const backups = validBackups(stanza);
  const oldest = backups[0];
  if (!oldest)
    throw new StoppedError("❌ There is no valid backup to restore from; run `/backup full`");
  const window = { start: iso(oldest.timestamp.stop + 1), end: end.replace(/\.\d+Z$/, "Z") };
  const outside = `The recovery window is ${window.start} → ${end}; pick a time inside it.`;
  const backup = backupBefore(stanza, point.epochMs);
  if (!backup)
    throw new StoppedError(
      `❌ ${formatUtc(point.epochMs)} is before the oldest restorable point. ${outside}`,
    );
  if (point.epochMs > Date.parse(end))
    throw new StoppedError(
      `❌ ${formatUtc(point.epochMs)} is after the newest archived WAL. ${outside}`,
    );

  const chainFull = backups.find((b) => b.label === backup.label.split("_")[0]) ?? backup;
  const lastSmall = backups.filter((b) => b.type !== "full").at(-1);
  const safetySeconds = lastSmall ? lastSmall.timestamp.stop - lastSmall.timestamp.start : 30;
  const restoreSeconds = chainFull.timestamp.stop - chainFull.timestamp.start;
  const estimateSeconds = safetySeconds + restoreSeconds + 60;
  const expiresAt = new Date(now + policy.confirmMinutes * 60_000).toISOString();
  const plan: RestorePlanRecord = {
    target: point.target,
    targetEpochMs: point.epochMs,
    backupLabel: backup.label,
    backupRepo: repoOf(backup),
    window,
    workloads: policy.stopWorkloads,
    estimateSeconds,
    expiresAt,
  };
  operation.plan = plan;
  operation.state = "planned";
  await context.store.save(operation);
  return planText(operation.id, operation.requester, plan, policy.secondApprover);
}

export function planText(
  id: string,
  requester: string,
  plan: RestorePlanRecord,
  secondApprover: boolean,
): string {
  const stops = [
    ...plan.workloads.map((w) => `${w.kind.toLowerCase()}/${w.name}`),
    "statefulset/postgres",
  ].map(code);
  const who = secondApprover ? `, by someone other than @${requester}` : "";
  return [
    `**Plan — nothing has changed yet.** Restore production to **${plan.target.replace(/\+00$/, " UTC")}**:`,
    `- backup set ${code(plan.backupLabel)}${plan.backupRepo ? ` from repo${plan.backupRepo}` : ""}, then WAL up to the target; the server is promoted onto a new timeline`,
    `- recovery window checked: ${plan.window.start} → ${plan.window.end}`,
    "- first a safety backup (incr), so that this restore can itself be undone",
    `- stops ${stops.join(", ")} for the restore, then starts them again`,
    `- estimated duration: about ${Math.ceil(plan.estimateSeconds / 60)} min (safety backup, restore, start and checks)`,
    "- what was written after the target is not in the restored database (it stays in the repository, on the old timeline)",
    "",
    `To go ahead: \`/restore confirm ${id}\` before ${formatUtc(Date.parse(plan.expiresAt))}${who}. To drop it: \`/restore cancel ${id}\`.`,
  ].join("\n");
}
