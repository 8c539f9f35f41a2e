// What the Action and the bot read from the repository host: pgBackRest's info, and the recovery window.
import type { Cluster } from "./cluster.ts";
import { explainPgbackrest } from "./pgbackrest/errors.ts";
import {
  type BackupInfo,
  findStanza,
  parseInfo,
  repoOf,
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
  if (result.code !== 0) {
    const said = result.stderr.trim() || result.stdout.trim();
    const meaning = explainPgbackrest(said);
    throw new Error(
      `pgbackrest info on ${REPO_HOST.pod} failed: ${said}${meaning ? ` (${meaning})` : ""}`,
    );
  }
  return findStanza(parseInfo(result.stdout), stanza);
}

export interface RepoState {
  repo: number;
  /** "none" or the cipher, e.g. aes-256-cbc */
  cipher: string;
  ok: boolean;
  /** pgBackRest's status of the repository, with what it means when pgBackRest does not say. */
  message: string;
}

/**
 * Each repository and whether it can be read. "no valid backups" (code 2) is readable,
 * just empty. Before pgBackRest 2.33 (no repo list) the stanza's status stands for repo1.
 */
export function repositories(stanza: StanzaInfo): RepoState[] {
  const listed = stanza.repo ?? [{ key: 1, cipher: "none", status: stanza.status }];
  return listed.map((r) => {
    const ok = r.status.code === 0 || r.status.code === 2;
    const meaning = ok ? undefined : explainPgbackrest(r.status.message, r.key);
    // pgBackRest copies undecryptable bytes into the message: keep what is printable.
    const said = r.status.message
      .replace(/\s+/g, " ")
      .replace(/[^\x20-\x7e]/g, "")
      .trim()
      .slice(0, 200);
    return { repo: r.key, cipher: r.cipher, ok, message: meaning ? `${said} — ${meaning}` : said };
  });
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

/** The window over every repository: a restore reads whichever has the backup it needs. */
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
 * The window of each repository with a valid backup, repo1 first. WAL is archived to every
 * repository, so they end at the same point; each starts at its own oldest backup.
 */
export function recoveryWindows(
  stanza: StanzaInfo,
  lastArchived: string | undefined,
): (RecoveryWindow & { repo: number })[] {
  const repos = [...new Set(validBackups(stanza).map(repoOf))].sort((a, b) => a - b);
  return repos.flatMap((repo) => {
    const window = recoveryWindow(
      { ...stanza, backup: stanza.backup.filter((b) => repoOf(b) === repo) },
      lastArchived,
    );
    return window ? [{ repo, ...window }] : [];
  });
}

/**
 * The backup a restore to this instant starts from: the newest valid one that ended in an
 * earlier second (pgBackRest records stop times in whole seconds and picks it that way),
 * in the first repository that has one (pgBackRest searches repo1, then repo2, ...).
 */
export function backupBefore(stanza: StanzaInfo, epochMs: number): BackupInfo | undefined {
  const second = Math.floor(epochMs / 1000);
  const before = validBackups(stanza).filter((b) => b.timestamp.stop < second);
  const repos = [...new Set(before.map(repoOf))].sort((a, b) => a - b);
  return before.filter((b) => repoOf(b) === repos[0]).at(-1);
}
