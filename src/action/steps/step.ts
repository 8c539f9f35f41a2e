// What every step of the Action gets and gives back.
import type { Cluster } from "../../core/cluster.ts";
import type { Mark } from "../../core/marks.ts";
import type { BackupResult } from "../../core/operations/backup.ts";
import type { CloneResult } from "../../core/operations/clone.ts";
import type { DeployResult } from "../../core/operations/deploy.ts";
import type { DrillSection } from "../../core/operations/drill.ts";
import type { VerifyResult } from "../../core/operations/verify.ts";
import type { Progress } from "../../core/progress.ts";
import type { RecoveryWindow } from "../../core/recovery-window.ts";
import type { WindowGuarantee } from "../../core/retention.ts";
import type { Settings } from "../../core/settings.ts";
import type { ValidationReport } from "../../core/validation-report.ts";
import type { Inputs, Operation } from "../inputs.ts";

/** Every output the Action sets; action.yml declares each, and a test holds the two equal. */
export const OUTPUT_NAMES = [
  "backup-label",
  "backup-duration-seconds",
  "validation-status",
  "report-path",
  "rto-seconds",
  "recovery-window-start",
  "recovery-window-end",
  "backups-json",
  "restore-point-lsn",
  "clone-id",
  "clone-service",
  "clone-host",
  "clone-expires-at",
  "drill-status",
  "drill-rto-seconds",
  "drill-rpo-seconds",
  "drill-report-path",
  "duration-seconds",
] as const;

export type Outputs = Partial<Record<(typeof OUTPUT_NAMES)[number], string>>;

export interface StepContext {
  cluster: Cluster;
  inputs: Inputs;
  /** The namespace and stanza the run works in: the manifests', else the inputs' or the base's. */
  settings: Settings;
  /** Annotations every Job the Action creates carries: who ran it, from where. */
  annotations: Record<string, string>;
  log: (line: string) => void;
}

/** A backup as the status step lists it: the backups-json output holds these, in this order. */
export interface BackupEntry {
  label: string;
  type: string;
  /** The repository holding it (1 the volume, 2 S3). */
  repo: number;
  /** Start and stop, in seconds since the epoch, as pgBackRest records them. */
  start: number;
  stop: number;
  /** Bytes stored in the repository. */
  size: number;
}

/**
 * What each operation's step found, typed: the job summary is drawn from it and the result
 * file holds it; the outputs are its text for a workflow's later steps.
 */
export interface StepData {
  deploy: DeployResult;
  verify: VerifyResult;
  backup: Omit<BackupResult, "logTail">;
  validate: Pick<ValidationReport, "status" | "reason" | "rtoSeconds"> & {
    backup: string | null;
    checks: number;
    reportPath: string;
  };
  status: {
    backups: BackupEntry[];
    recoveryWindow: RecoveryWindow;
    /** What retention guarantees, per repository, next to the actual window. */
    guarantees: WindowGuarantee[];
  };
  mark: Mark & { segment: string };
  clone: Omit<CloneResult, "report">;
  "drop-clone": { removed: string[] };
  drill: DrillSection & { reportPath: string };
}

/** How a step that did not get far enough to find anything ends. */
export interface Failure {
  ok: false;
  /** One line for the summary table and the failed step's message. */
  detail: string;
  /** Pod states, events, a log tail or a stack, redacted, shown folded in the summary. */
  diagnostics?: string;
}

export interface StepOutcome<K extends Operation = Operation> {
  ok: boolean;
  /** One line for the summary table. */
  detail: string;
  outputs?: Outputs;
  diagnostics?: string;
  /** Absent when the step failed before it found anything. */
  data?: StepData[K];
}

export type StepResult<K extends Operation = Operation> = StepOutcome<K> & {
  name: K;
  seconds: number;
};

/** A step's result, its data typed by its name. */
export type AnyStepResult = { [K in Operation]: StepResult<K> }[Operation];

export type Step<K extends Operation> = (context: StepContext) => Promise<StepOutcome<K>>;

/** The settings a core operation takes: the run's (settings.ts), and the lock the step holds. */
export function stepSettings(context: StepContext): Settings {
  const { namespace, stanza, lockHolder } = context.settings;
  return { namespace, stanza, ...(lockHolder ? { lockHolder } : {}) };
}

/** Each step of a core operation as a line of the Action's log. */
export function logProgress(context: StepContext): Progress {
  return (step, work) => {
    context.log(step);
    return work();
  };
}

/** A Job the Action starts, named for what it does and when: pgbackrest-action-full-20261124143000. */
export function actionJobName(what: string, now = new Date()): string {
  return `pgbackrest-action-${what}-${now.toISOString().replace(/[-:T]/g, "").slice(0, 14)}`;
}
