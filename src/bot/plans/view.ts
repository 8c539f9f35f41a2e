// What the bot needs to show a kind of plan: the plan as it waits for its confirmation,
// the result once carried out, and, for failures only that kind has, what they left.
import type { JobFailure } from "../../core/jobs.ts";
import type { PlanRecord } from "../../core/plans/record.ts";
import { isoUtcSecond } from "../../core/time.ts";

export interface PlanView<R> {
  planText(record: PlanRecord, secondApprover: boolean): string;
  resultText(record: PlanRecord, result: R): string;
  /**
   * A failure of this kind's own, as the person should read it (where production is, what
   * to do); undefined for the failures every operation has.
   */
  explain?(
    record: PlanRecord,
    error: unknown,
    namespace: string,
    attach: (failure: JobFailure) => string,
  ): Error | undefined;
}

/** The plan's last line: how to go ahead, by when, by whom, and how to drop it. */
export function confirmLine(record: PlanRecord, secondApprover: boolean): string {
  const who = secondApprover ? `, by someone other than @${record.requester}` : "";
  return `To go ahead: \`/restore confirm ${record.id}\` before ${isoUtcSecond(Date.parse(record.expiresAt))}${who}. To drop it: \`/restore cancel ${record.id}\`.`;
}
