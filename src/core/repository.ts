// What the Action and the bot read from the repository host: pgBackRest's info, and the
// state of each repository (the recovery window is recovery-window.ts).
import type { Cluster } from "./cluster.ts";
import { REPO_HOST } from "./names/objects.ts";
import { explainPgbackrest } from "./pgbackrest/errors.ts";
import { findStanza, parseInfo, type StanzaInfo } from "./pgbackrest/info.ts";

export async function stanzaInfo(
  cluster: Cluster,
  namespace: string,
  stanza: string,
): Promise<StanzaInfo> {
  const result = await cluster.exec({ namespace, ...REPO_HOST }, [
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
