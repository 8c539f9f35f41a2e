// status: the backups in the repository and the recovery window.
import { psql } from "../../core/database.ts";
import { repoOf, validBackups } from "../../core/pgbackrest/info.ts";
import {
  recoveryWindow,
  recoveryWindows,
  repositories,
  stanzaInfo,
} from "../../core/repository.ts";
import type { Step } from "./step.ts";

export const statusStep: Step = async ({ cluster, inputs }) => {
  const stanza = await stanzaInfo(cluster, inputs.namespace, inputs.stanza);
  const target = {
    namespace: inputs.namespace,
    pod: "postgres-0",
    container: "postgres",
    database: "postgres",
  };
  const archived = await psql(
    cluster,
    "select coalesce(to_char(last_archived_time at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') from pg_stat_archiver",
    target,
  );
  const window = recoveryWindow(stanza, archived);
  const backups = validBackups(stanza);
  const unreadable = repositories(stanza).filter((r) => !r.ok);
  const problems = unreadable.map((r) => `repo${r.repo}: ${r.message}`).join("; ");
  if (!window)
    return {
      ok: false,
      detail: `no valid backup of stanza ${inputs.stanza} (status: ${problems || stanza.status.message})`,
    };
  const windows = recoveryWindows(stanza, archived);
  const perRepo =
    windows.length > 1
      ? ` (${windows.map((w) => `repo${w.repo} from ${w.start}`).join(", ")})`
      : "";
  return {
    ok: stanza.status.code === 0 && unreadable.length === 0,
    detail: `${backups.length} backup${backups.length === 1 ? "" : "s"}; recovery window ${window.start} → ${window.end}${perRepo}${problems ? `; ${problems}` : ""}`,
    outputs: {
      "recovery-window-start": window.start,
      "recovery-window-end": window.end,
      "backups-json": JSON.stringify(
        backups.map((b) => ({
          label: b.label,
          type: b.type,
          repo: repoOf(b),
          start: b.timestamp.start,
          stop: b.timestamp.stop,
          size: b.info.repository.delta,
        })),
      ),
    },
  };
};
