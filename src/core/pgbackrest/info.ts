// `pgbackrest info --output=json`: the shape pgBackRest 2.45 to 2.55 prints, parsed
// without losing the 64-bit system identifier.
import type { BackupType } from "../names/kinds.ts";

export interface BackupInfo {
  label: string;
  type: BackupType;
  prior: string | null;
  reference: string[] | null;
  timestamp: { start: number; stop: number };
  archive: { start: string | null; stop: string | null };
  info: { size: number; delta: number; repository: { size: number; delta: number } };
  error?: boolean;
  /** Which repository holds it (repo-key: 1, 2, ...); absent before pgBackRest 2.33. */
  database?: { id: number; "repo-key": number };
}

export interface StanzaInfo {
  name: string;
  status: { code: number; message: string; lock?: { backup?: { held: boolean } } };
  db: { id: number; "system-id": string; version: string }[];
  /** One entry per repository (and database version), each with its repo-key. */
  archive: {
    id: string;
    min: string | null;
    max: string | null;
    database?: { id: number; "repo-key": number };
  }[];
  backup: BackupInfo[];
  /** Each repository: its key, whether it is encrypted, and its own status. */
  repo?: { key: number; cipher: string; status: { code: number; message: string } }[];
}

export function parseInfo(json: string): StanzaInfo[] {
  // JSON.parse would round system-id (a 64-bit integer) to the nearest double.
  const exact = json.replace(/"system-id"\s*:\s*(\d+)/g, '"system-id":"$1"');
  let parsed: unknown;
  try {
    parsed = JSON.parse(exact);
  } catch (cause) {
    // A repository it cannot decrypt (a wrong passphrase) puts raw bytes of garbage into
    // its status message; pgBackRest prints its JSON on one line, so control characters
    // can only be those bytes.
    try {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: those bytes are the point
      parsed = JSON.parse(exact.replace(/[\u0000-\u001f]/g, " "));
    } catch {
      throw new Error("parse pgbackrest info: output is not JSON; was --output=json given?", {
        cause,
      });
    }
  }
  if (!Array.isArray(parsed))
    throw new Error("parse pgbackrest info: expected an array of stanzas");
  return parsed as StanzaInfo[];
}

export function findStanza(stanzas: StanzaInfo[], name: string): StanzaInfo {
  const stanza = stanzas.find((s) => s.name === name);
  if (!stanza) {
    const known = stanzas.map((s) => s.name).join(", ") || "none";
    throw new Error(`stanza ${name} not found in pgbackrest info (stanzas: ${known})`);
  }
  return stanza;
}

/** The repository a backup is in. */
export function repoOf(backup: BackupInfo): number {
  return backup.database?.["repo-key"] ?? 1;
}

/** Backups that can be restored, oldest first. */
export function validBackups(stanza: StanzaInfo): BackupInfo[] {
  return stanza.backup.filter((b) => !b.error).sort((a, b) => a.timestamp.stop - b.timestamp.stop);
}
