// What the Action and the bot read of the repositories: pgBackRest's info, and the state
// of each repository (the recovery window is recovery-window.ts). pgbackrest info runs in a
// Job of its template (manifests/restore/pgbackrest-info-cronjob.yaml), not by exec in the
// repository host: whoever may exec there may remove repository 1.
import { randomBytes } from "node:crypto";
import type { Cluster, KubeObject } from "./cluster.ts";
import { JobFailedError, jobFromTemplate, runJobToCompletion, templateCronJob } from "./jobs.ts";
import { INFO_TEMPLATE } from "./names/objects.ts";
import { explainPgbackrest } from "./pgbackrest/errors.ts";
import { findStanza, parseInfo, type StanzaInfo } from "./pgbackrest/info.ts";
import { type Retention, retentionFromLog } from "./retention.ts";

/** The template's activeDeadlineSeconds (300), and a little for the pod to start. */
const INFO_TIMEOUT_MS = 360_000;

/** A Job of the info template, named pgbackrest-info-<random>: each look its own Job. */
export function infoJob(template: KubeObject): KubeObject {
  return jobFromTemplate(template, `${INFO_TEMPLATE}-${randomBytes(4).toString("hex")}`);
}

/** pgBackRest's JSON: the log's one line that is a JSON array (warnings are lines of their own). */
function infoJson(log: string): string {
  return (
    log
      .split("\n")
      .findLast((line) => line.startsWith("["))
      ?.trim() ?? log
  );
}

/** What one Job of the info template read: the stanza's info and each repository's retention. */
export interface RepositoryLook {
  stanza: StanzaInfo;
  /**
   * The retention of these repositories, as the repository host's configuration says it;
   * undefined from a template older than this release (retentionFromLog).
   */
  retention(repos: number[]): Retention[] | undefined;
}

/**
 * `pgbackrest --output=json info` of the stanza and the retention pgbackrest-info.sh prints
 * after it, from a Job made of the template as the cluster holds it, removed once read,
 * whatever its end (the template's TTL removes one that could not be).
 */
export async function readRepository(
  cluster: Cluster,
  namespace: string,
  stanza: string,
): Promise<RepositoryLook> {
  const template = await templateCronJob(cluster, namespace, INFO_TEMPLATE, "pgbackrest info");
  const job = infoJob(template);
  const name = job.metadata.name;
  try {
    const { logs } = await runJobToCompletion(cluster, job, INFO_TIMEOUT_MS, "pgbackrest info");
    return {
      stanza: findStanza(parseInfo(infoJson(logs)), stanza),
      retention: (repos) => retentionFromLog(logs, stanza, repos),
    };
  } catch (error) {
    if (!(error instanceof JobFailedError)) throw error;
    const { failure } = error;
    const said = failure.logTail.trim() || `${failure.reason}; ${failure.description}`;
    const meaning = explainPgbackrest(said);
    throw new Error(
      `pgbackrest info (job/${name}) failed: ${said}${meaning ? ` (${meaning})` : ""}`,
    );
  } finally {
    await cluster.delete("Job", namespace, name).catch(() => undefined);
  }
}

/** The stanza's info alone (readRepository). */
export async function stanzaInfo(
  cluster: Cluster,
  namespace: string,
  stanza: string,
): Promise<StanzaInfo> {
  return (await readRepository(cluster, namespace, stanza)).stanza;
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
