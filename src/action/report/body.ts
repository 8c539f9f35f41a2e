// The ops issue's text: which database and operation it is about (a hidden marker the
// next run finds it by), what failed with the diagnosis the job summary gives, where the
// database stands, the credential's warning, the bot commands that help next, and the run.
// Text from the cluster is shown inert: it pings no one, links nothing, starts no Markdown.
import { fenced, text } from "../../core/markdown.ts";
import type { Settings } from "../../core/settings.ts";
import type { Operation } from "../inputs.ts";
import type { StepResult } from "../steps/step.ts";
import type { Standing } from "./standing.ts";

/** What the report is about: one database (namespace and stanza) and one operation. */
export interface ReportKey {
  namespace: string;
  stanza: string;
  operation: Operation;
}

export function keyOf(settings: Settings, operation: Operation): ReportKey {
  return { namespace: settings.namespace, stanza: settings.stanza, operation };
}

/** The hidden line in the body by which the next run finds it. */
export function marker({ namespace, stanza, operation }: ReportKey): string {
  return `<!-- mcpgov-backup:report namespace=${namespace} stanza=${stanza} operation=${operation} -->`;
}

export function title({ namespace, stanza, operation }: ReportKey): string {
  return `mcpgov-backup: ${operation} fails for ${namespace}/${stanza}`;
}

const STATUS = [
  "/backup status",
  "the recovery window, the last backups and validation, WAL archiving",
];
const FULL = ["/backup full", "a full backup now"];

/** The bot's commands that help after each operation failed, most useful first. */
const NEXT: Record<Operation, string[][]> = {
  deploy: [STATUS],
  verify: [STATUS, FULL],
  backup: [FULL, STATUS],
  validate: [
    ["/restore validate", "validate the newest backup again"],
    ["/backup full", "a fresh full backup, when the newest one is what fails"],
    STATUS,
  ],
  status: [STATUS, FULL],
  mark: [["/backup mark <name>", "make the restore point again"], STATUS],
  clone: [["/restore clone latest", "a temporary copy of production's newest state"], STATUS],
  "drop-clone": [["/restore drop <clone>", "remove the clone"], STATUS],
  drill: [["/restore validate", "validate the newest backup, which the drill restored"], STATUS],
};

/** Room for the diagnosis: the issue stays far under GitHub's 65,536 characters. */
const DIAGNOSIS_BUDGET = 20_000;

export interface FailureReport {
  key: ReportKey;
  failed: Pick<StepResult, "detail" | "diagnostics">;
  standing: Standing;
  /** The credential's warnings (credentials.ts). */
  warnings: string[];
  /** The ops label the bot takes commands on. */
  opsLabel: string;
  runUrl: string;
}

function runLink(runUrl: string): string {
  return runUrl ? `[this run](${runUrl})` : "this run";
}

/** The table of where the database stands; one row when nothing of it could be read. */
function standingRows({ recoveryWindow, lastBackup, lastValidation }: Standing): string[] {
  const rows =
    recoveryWindow === lastBackup && lastBackup === lastValidation
      ? [`| recovery window, last good backup and validation | ${text(recoveryWindow)} |`]
      : [
          `| recovery window | ${text(recoveryWindow)} |`,
          `| last good backup | ${text(lastBackup)} |`,
          `| last validation | ${text(lastValidation)} |`,
        ];
  return ["| | now |", "|---|---|", ...rows];
}

function warningLines(warnings: string[]): string[] {
  return warnings.flatMap((w) => ["", `> [!WARNING]`, `> ${text(w)}`]);
}

/** The body, or (without the marker) a comment on the issue already open. */
export function failureText(report: FailureReport, asComment = false): string {
  const { key, failed, standing } = report;
  const diagnosis = failed.diagnostics ?? "";
  const cut =
    diagnosis.length > DIAGNOSIS_BUDGET ? `…\n${diagnosis.slice(-DIAGNOSIS_BUDGET)}` : diagnosis;
  const lines = [
    ...(asComment ? [] : [marker(key), ""]),
    `**${key.operation} failed** for the database in namespace \`${key.namespace}\`, stanza \`${key.stanza}\`, in ${runLink(report.runUrl)}.`,
    "",
    `**What failed:** ${text(failed.detail)}`,
  ];
  if (cut)
    lines.push(
      "",
      "<details><summary>The diagnosis (pods, events, the end of the log)</summary>",
      "",
      fenced(cut),
      "",
      "</details>",
    );
  lines.push(
    "",
    ...standingRows(standing),
    ...warningLines(report.warnings),
    "",
    `**What may help next:** comment one of these here (the bot takes commands on issues labelled \`${report.opsLabel}\`):`,
    ...NEXT[key.operation].map(([command, what]) => `- \`${command}\`: ${what}`),
    "",
    `The next run that passes ${key.operation} comments here and closes this issue.`,
  );
  return `${lines.join("\n")}\n`;
}

/** The comment that closes the issue (or the record a success leaves with report: always). */
export function successText(key: ReportKey, runUrl: string, warnings: string[]): string {
  const lines = [
    `✅ **${key.operation} passed** for namespace \`${key.namespace}\`, stanza \`${key.stanza}\`, in ${runLink(runUrl)}.`,
    ...warningLines(warnings),
  ];
  return `${lines.join("\n")}\n`;
}
