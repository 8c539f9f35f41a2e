// The run's typed results as JSON, for a program that starts the Action and reads what it
// did (the bench) without parsing its log: written when MCPGOV_BACKUP_RESULT_FILE names a
// file. Workflows use the outputs (action.yml); this file is not part of that interface.
import { writeFileSync } from "node:fs";
import type { ActionRun } from "./run.ts";

export const RESULT_FILE_VARIABLE = "MCPGOV_BACKUP_RESULT_FILE";

export interface ActionResult extends ActionRun {
  /** What stopped the run outside its steps (an input, opening the cluster), as the step failed with it. */
  error?: string;
}

export function writeResultFile(path: string, result: ActionResult): void {
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}
