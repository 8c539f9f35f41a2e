// status: the backups in the repository and the recovery window.
import { psql } from "../../core/database.ts";
import { validBackups } from "../../core/pgbackrest/info.ts";
import { recoveryWindow, stanzaInfo } from "../../core/repository.ts";
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
  if (!window)
    return {
      ok: false,
      detail: `no valid backup of stanza ${inputs.stanza} (status: ${stanza.status.message})`,
    };
  return {
    ok: stanza.status.code === 0,
    detail: `${backups.length} backup${backups.length === 1 ? "" : "s"}; recovery window ${window.start} → ${window.end}`,
    outputs: {
      "recovery-window-start": window.start,
      "recovery-window-end": window.end,
      "backups-json": JSON.stringify(
        backups.map((b) => ({
          label: b.label,
          type: b.type,
          start: b.timestamp.start,
          stop: b.timestamp.stop,
          size: b.info.repository.delta,
        })),
      ),
    },
  };
};
