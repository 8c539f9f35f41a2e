// The kinds of things the product tells apart: backup types, the workloads a restore
// stops and their "kind/name" text, and how a Job ends. Each is defined once.

/** pgBackRest's backup types the product runs. */
export const BACKUP_TYPES = ["full", "diff", "incr"] as const;
export type BackupType = (typeof BACKUP_TYPES)[number];

/** The workloads a restore stops and starts again. */
export type WorkloadKind = "StatefulSet" | "Deployment";

export interface Workload {
  kind: WorkloadKind;
  name: string;
}

/** A workload as kubectl writes it: deployment/governance-api. */
export function workloadText(workload: Workload): string {
  return `${workload.kind.toLowerCase()}/${workload.name}`;
}

/** The workload of `deployment/NAME` or `statefulset/NAME`; undefined for anything else. */
export function parseWorkload(text: string): Workload | undefined {
  const match = /^(deployment|statefulset)\/(.+)$/.exec(text);
  if (!match) return undefined;
  const kind: WorkloadKind = match[1] === "deployment" ? "Deployment" : "StatefulSet";
  return { kind, name: match[2] as string };
}

/** How a Job ends: the type of its terminal condition. */
export const JOB_OUTCOMES = ["Complete", "Failed"] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

export interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The condition that says a Job has ended (Complete or Failed, status True); undefined while it runs. */
export function terminalCondition<C extends JobCondition>(
  conditions: readonly C[] | undefined,
): (C & { type: JobOutcome }) | undefined {
  return conditions?.find(
    (c): c is C & { type: JobOutcome } =>
      (JOB_OUTCOMES as readonly string[]).includes(c.type) && c.status === "True",
  );
}

/** The conditions of a Job that ended so, as the Job controller writes them. */
export function endedConditions(
  outcome: JobOutcome,
  reason?: string,
  message?: string,
): JobCondition[] {
  return [{ type: outcome, status: "True", reason, message }];
}
