// What the Action and the bot read from the repository host: pgBackRest's info, and the recovery window.
import type { Cluster } from "./cluster.ts";
import {
  type BackupInfo,
  findStanza,
  parseInfo,
  type StanzaInfo,
  validBackups,
} from "./pgbackrest/info.ts";

export const REPO_HOST = { pod: "pgbackrest-repo-host-0", container: "pgbackrest" };

export async function stanzaInfo(
  cluster: Cluster,
  namespace: string,
  stanza: string,
): Promise<StanzaInfo> {
  const result = await cluster.exec(namespace, REPO_HOST.pod, REPO_HOST.container, [
    "pgbackrest",
    `--stanza=${stanza}`,
    "info",
    "--output=json",
  ]);
  if (result.code !== 0)
    throw new Error(`pgbackrest info on ${REPO_HOST.pod} failed: ${result.stderr.trim()}`);
  return findStanza(parseInfo(result.stdout), stanza);
}

export interface RecoveryWindow {
  /** End of the oldest valid backup: the earliest point a restore can reach. */
  start: string;
  /** The newest WAL archived, as PostgreSQL reports it: the latest point a restore can reach. */
  end: string;
}

/** UTC, to the second: 2026-11-24T02:04:00Z. */
export function iso(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function recoveryWindow(
  stanza: StanzaInfo,
  lastArchived: string | undefined,
): RecoveryWindow | undefined {
  const oldest = validBackups(stanza)[0];
  if (!oldest) return undefined;
  const newest = validBackups(stanza).at(-1);
  return {
    start: iso(oldest.timestamp.stop),
    end: lastArchived || iso(newest?.timestamp.stop ?? oldest.timestamp.stop),
  };
}

/**
 * The backup a restore to this instant starts from: the newest valid one that ended in an
 * earlier second (pgBackRest records stop times in whole seconds and picks it that way).
 */
export function backupBefore(stanza: StanzaInfo, epochMs: number): BackupInfo | undefined {
  const second = Math.floor(epochMs / 1000);
  return validBackups(stanza)
    .filter((b) => b.timestamp.stop < second)
    .at(-1);
}
