// /backup full|diff|incr: one Job from the matching CronJob, under the lock; the result is
// the backup pgBackRest recorded.
import { type BackupType, backupJob } from "../../core/backup.ts";
import { repoOf, validBackups } from "../../core/pgbackrest/info.ts";
import { stanzaInfo } from "../../core/repository.ts";
import { code } from "../status-comment.ts";
import type { CommandContext } from "./context.ts";
import { jobName } from "./context.ts";
import { jobStep } from "./job.ts";

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

export async function backupCommand(context: CommandContext, type: BackupType): Promise<string> {
  const { cluster, namespace } = context;
  const job = await backupJob(
    cluster,
    namespace,
    type,
    jobName(context, type),
    context.annotations,
  );
  await jobStep(context, `${type} backup`, job);
  const newest = validBackups(await stanzaInfo(cluster, namespace, context.stanza)).at(-1);
  if (!newest) throw new Error("the backup Job completed but pgbackrest info lists no backup");
  const took = newest.timestamp.stop - newest.timestamp.start;
  return `✅ ${newest.type} backup ${code(newest.label)}: ${took} s, database ${mib(newest.info.size)}, ${mib(newest.info.repository.delta)} stored in repo${repoOf(newest)}`;
}
