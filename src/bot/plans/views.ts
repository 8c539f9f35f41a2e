// Every kind of plan the bot shows, in one table (the core's PLAN_KINDS holds what they do).
// A new kind is a row here and a row there; nothing else in the bot asks which kind it holds.
import type { PlanOutcome, PlanResults } from "../../core/plans/kinds.ts";
import type { PlanKind } from "../../core/plans/record.ts";
import { productionRestoreView } from "./production.ts";
import { tableRestoreView } from "./table.ts";
import type { PlanView } from "./view.ts";

const PLAN_VIEWS: { [K in PlanKind]: PlanView<PlanResults[K]> } = {
  pitr: productionRestoreView,
  latest: productionRestoreView,
  table: tableRestoreView,
};

/** The view of a kind, taking any of its outcomes (TypeScript cannot pair the two itself). */
export function viewOf(kind: PlanKind): PlanView<PlanOutcome["result"]> {
  return PLAN_VIEWS[kind] as PlanView<PlanOutcome["result"]>;
}
