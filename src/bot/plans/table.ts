// How the bot shows copying one table back (/restore table): the plan, and the result with
// the SQL that puts the copy to use. Production is neither stopped nor rewound.
import type { TableResult } from "../../core/operations/restore-table.ts";
import { parseTableRef, restoredName } from "../../core/operations/restore-table.ts";
import type { TableMerge } from "../../core/operations/table-merge.ts";
import type { PlanRecord } from "../../core/plans/record.ts";
import { code } from "../status-comment.ts";
import { confirmLine, type PlanView } from "./view.ts";

function planText(record: PlanRecord, secondApprover: boolean): string {
  const { restore: plan } = record;
  const ref = parseTableRef(record.table ?? "");
  const copy = `${ref.schema}.${restoredName(ref.table, plan.targetEpochMs)}`;
  const at = plan.mark ? `mark ${plan.mark}, made ${plan.target}` : plan.target;
  return [
    `**Plan — nothing has changed yet.** Copy table ${code(`${ref.schema}.${ref.table}`)}${ref.database ? ` of database ${code(ref.database)}` : ""} as it was at **${at}** into production as ${code(copy)}:`,
    `- a clone of that point (backup set ${code(plan.backupLabel)} from repo${plan.backupRepo}, then WAL to the ${plan.mark ? "mark" : "target"}; only the table's database) is the source, and is removed afterwards`,
    `- production is **not stopped and not rewound**: it keeps every write; the live table is not touched, the copy is a new table beside it (its rows and columns; no keys, indexes or grants)`,
    `- recovery window checked: ${plan.window.start} → ${plan.window.end}`,
    `- estimated duration: about ${Math.ceil(plan.estimateSeconds / 60)} min`,
    "",
    confirmLine(record, secondApprover),
  ].join("\n");
}

/** The merge's lines: missing rows, then changed rows as their own choice, or why none. */
function mergeLines(merge: TableMerge | null): string[] {
  if (merge === null) return [];
  if (!merge.offered) return [`- no merge is offered: ${merge.why}`];
  const { changed } = merge;
  return [
    `- or add back its ${merge.missingRows} rows missing from the live table, leaving every row there as it is: ${code(merge.addMissing)}`,
    ...(changed && changed.rows > 0
      ? [
          `- ${changed.rows} rows differ from the point (key ${changed.keys.join(", ")}${changed.rows > changed.keys.length ? ", …" : ""}; all of them: ${code(changed.list)}). Taking the point's values **overwrites what was written to them since**; only if that is what you want: ${code(changed.overwrite)}`,
        ]
      : ["- no row the live table shares with the copy differs from the point"]),
  ];
}

function resultText(_record: PlanRecord, result: TableResult): string {
  const live =
    result.liveRows === null
      ? `${code(result.source)} does not exist now`
      : `the live ${code(result.source)} has ${result.liveRows} rows and was not touched`;
  return [
    `✅ ${code(`${result.database}.${result.restoredAs}`)} holds **${result.rowsCopied} rows**, exactly the ${result.rowsAtPoint} that ${code(result.source)} had at ${result.clone.point}; ${live}. The clone it came from is removed.`,
    "Next, when the copy is what you want:",
    `- put it in the table's place: ${code(result.sql.swap)}`,
    ...mergeLines(result.sql.merge),
  ].join("\n");
}

export const tableRestoreView: PlanView<TableResult> = { planText, resultText };
