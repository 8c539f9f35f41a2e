// What every step of the Action gets and gives back.
import type { Cluster } from "../../core/cluster.ts";
import type { Progress } from "../../core/progress.ts";
import type { Settings } from "../../core/settings.ts";
import type { Inputs } from "../inputs.ts";

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
  "clone-expires-at",
  "duration-seconds",
] as const;

export type Outputs = Partial<Record<(typeof OUTPUT_NAMES)[number], string>>;

export interface StepContext {
  cluster: Cluster;
  inputs: Inputs;
  /** Annotations every Job the Action creates carries: who ran it, from where. */
  annotations: Record<string, string>;
  log: (line: string) => void;
}

export interface StepResult {
  name: string;
  ok: boolean;
  /** One line for the summary table. */
  detail: string;
  seconds: number;
  outputs?: Outputs;
  /** For a failure: pod states, events and a log tail, redacted, shown folded in the summary. */
  diagnostics?: string;
}

export type StepOutcome = Omit<StepResult, "seconds" | "name">;

export type Step = (context: StepContext) => Promise<StepOutcome>;

/** The settings a core operation takes, from the Action's inputs. */
export function settingsOf(context: StepContext): Settings {
  return { namespace: context.inputs.namespace, stanza: context.inputs.stanza };
}

/** Each step of a core operation as a line of the Action's log. */
export function logProgress(context: StepContext): Progress {
  return (step, work) => {
    context.log(step);
    return work();
  };
}
