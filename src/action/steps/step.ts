// What every step of the Action gets and gives back.
import type { Cluster } from "../../core/cluster.ts";
import type { Inputs } from "../inputs.ts";

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
  outputs?: Record<string, string>;
  /** For a failure: pod states, events and a log tail, redacted, shown folded in the summary. */
  diagnostics?: string;
}

export type StepOutcome = Omit<StepResult, "seconds" | "name">;

export type Step = (context: StepContext) => Promise<StepOutcome>;
