// status: the backups in the repository and the recovery window, as outputs and one line.
import { readStatus } from "../../core/operations/status.ts";
import { repoOf } from "../../core/pgbackrest/info.ts";
import { type BackupEntry, logProgress, type Step, stepSettings } from "./step.ts";

export const statusStep: Step<"status"> = async (context) => {
  const { cluster } = context;
  const status = await readStatus(cluster, stepSettings(context), logProgress(context));
  const { window, windows, backups, stanza } = status;
  const unreadable = status.repositories.filter((r) => !r.ok);
  const problems = unreadable.map((r) => `repo${r.repo}: ${r.message}`).join("; ");
  if (!window)
    return {
      ok: false,
      detail: `no valid backup of stanza ${context.settings.stanza} (status: ${problems || stanza.status.message})`,
    };
  const last = status.lastValidation;
  const validation =
    last.kind === "report" ? `; last validation ${last.report.status} (${last.createdAt})` : "";
  const clones = status.clones.length
    ? `; clones ${status.clones.map((c) => `${c.id} (${c.point}, until ${c.expiresAt})`).join(", ")}`
    : "";
  const marks = status.marks.length
    ? `; marks ${status.marks.map((m) => `${m.name} (${m.createdAt})`).join(", ")}`
    : "";
  const perRepo =
    windows.length > 1
      ? ` (${windows.map((w) => `repo${w.repo} from ${w.start}`).join(", ")})`
      : "";
  const guaranteed = status.guarantees
    .map((g) => `${g.says}, reaching back ${g.reachesBackDays ?? 0} days`)
    .join("; ");
  const entries: BackupEntry[] = backups.map((b) => ({
    label: b.label,
    type: b.type,
    repo: repoOf(b),
    start: b.timestamp.start,
    stop: b.timestamp.stop,
    size: b.info.repository.delta,
  }));
  return {
    ok: stanza.status.code === 0 && unreadable.length === 0,
    detail: `${backups.length} backup${backups.length === 1 ? "" : "s"}; recovery window ${window.start} → ${window.end}${perRepo}${guaranteed ? `; guaranteed window ${guaranteed}` : ""}${validation}${marks}${clones}${problems ? `; ${problems}` : ""}`,
    outputs: {
      "recovery-window-start": window.start,
      "recovery-window-end": window.end,
      "backups-json": JSON.stringify(entries),
    },
    data: { backups: entries, recoveryWindow: window, guarantees: status.guarantees },
  };
};
