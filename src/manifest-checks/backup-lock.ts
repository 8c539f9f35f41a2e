// No two backups of one stanza collide: pgBackRest fails a backup at once (error 50) while
// another backup of the stanza holds its backup lock, so where a namespace (one
// pgbackrest-config, one stanza) has more than one backup CronJob, each runs its
// `kubectl exec` under the shell that waits for the lock (BACKUP_LOCK_WAIT), and they all
// run the same script: a schedule patch can then put two at the same minute harmlessly.
import type { V1Container } from "@kubernetes/client-node";
import type { ManifestDoc } from "../core/manifests/load.ts";
import {
  containerArgv,
  containersOf,
  type ExecCommand,
  isKubectlExec,
  parseKubectlExec,
  podSpecOf,
  podSpecPath,
} from "../core/manifests/pod.ts";
import { BACKUP_LOCK_WAIT } from "../core/names/objects.ts";
import { type ManifestProblem, objectName } from "./problem.ts";

interface BackupCronJob {
  doc: ManifestDoc;
  name: string;
  namespace: string;
  path: string;
  exec: ExecCommand;
}

/** The CronJob's container that runs `pgbackrest ... backup` on another pod, if it has one. */
function backupExec(doc: ManifestDoc): BackupCronJob | undefined {
  const object = doc.object as { kind?: string; metadata?: { name?: string; namespace?: string } };
  if (object.kind !== "CronJob") return undefined;
  const spec = podSpecOf(object);
  const containers: V1Container[] = spec ? containersOf(spec) : [];
  for (const [index, container] of containers.entries()) {
    const argv = containerArgv(container);
    if (!isKubectlExec(argv)) continue;
    const exec = parseKubectlExec(argv);
    if (exec.command[0] !== "pgbackrest" || !exec.command.includes("backup")) continue;
    return {
      doc,
      name: object.metadata?.name ?? "?",
      namespace: object.metadata?.namespace ?? "",
      path: `${podSpecPath(object.kind)}.containers[${index}].command`,
      exec,
    };
  }
  return undefined;
}

export function checkBackupLocks(docs: ManifestDoc[]): ManifestProblem[] {
  const backups = docs.flatMap((doc) => backupExec(doc) ?? []);
  const problems: ManifestProblem[] = [];
  const found = (b: BackupCronJob, message: string) =>
    problems.push({
      file: b.doc.file,
      object: objectName(b.doc.object),
      path: b.path,
      message,
    });
  for (const namespace of new Set(backups.map((b) => b.namespace))) {
    const stanza = backups.filter((b) => b.namespace === namespace);
    if (stanza.length < 2) continue;
    const scripts = stanza.flatMap((b) => (b.exec.lockWait ? [b] : []));
    for (const b of stanza) {
      const others = stanza.filter((o) => o !== b).map((o) => o.name);
      if (!b.exec.lockWait) {
        found(
          b,
          `fails at once when another backup of the stanza holds pgBackRest's backup lock (error 50), and ${others.join(", ")} back up the same stanza: run the kubectl exec under the \`${BACKUP_LOCK_WAIT}\` shell, as manifests/schedules does`,
        );
      } else if (scripts[0] && b.exec.lockWait.script !== scripts[0].exec.lockWait?.script) {
        found(
          b,
          `its \`${BACKUP_LOCK_WAIT}\` script for the backup lock differs from ${scripts[0].name}'s: every backup CronJob of a stanza waits the same way`,
        );
      } else if (!/^[1-9][0-9]*$/.test(b.exec.lockWait.seconds)) {
        found(
          b,
          `\`${BACKUP_LOCK_WAIT}\` takes the seconds to wait for the backup lock first, not "${b.exec.lockWait.seconds}"`,
        );
      }
    }
  }
  return problems;
}
