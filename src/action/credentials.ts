// The kubeconfig's credential, looked at before anything is sent to the cluster: its
// secrets masked in the log, an expired one refused with what to do, and one that expires
// before the next run warned of, so that the run after it does not fail with a 401.
import type * as k8s from "@kubernetes/client-node";
import type { KubeObject } from "../core/cluster.ts";
import { kubeUserSecrets } from "../core/kube/credentials.ts";
import { loadKubeConfig, type OpenedCluster, openKubeCluster } from "../core/kube/open.ts";
import { UserError } from "../core/user-error.ts";

/** The kubeconfig's credential no longer works: nothing was sent to the cluster. */
export class CredentialExpiredError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "CredentialExpiredError";
  }
}

/** A span as a person reads it: 3 days 4 h, 5 h 10 min, 12 min. */
export function span(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days} day${days === 1 ? "" : "s"}${hours ? ` ${hours} h` : ""}`;
  if (hours > 0) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
  return `${minutes} min`;
}

const RENEW =
  "make a new kubeconfig with scripts/make-action-kubeconfig.sh (or ask the cluster's administrator for a new credential) and store it in the secret the kubeconfig input reads, e.g. gh secret set MCPGOV_KUBECONFIG < mcpgov-backup-action.kubeconfig";

/**
 * A credential made moments ago that lasts less than the interval was made for this run (a
 * workflow that mints a short-lived token each time, as make-action-kubeconfig.sh's default
 * hour suits): the next run brings its own, and a warning on every run would be noise.
 */
const MADE_FOR_THIS_RUN_MS = 60 * 60_000;

/**
 * Masks every secret of the kubeconfig's user, refuses an expired credential (a UserError,
 * before any call) and returns the warnings of one that expires before the next run.
 */
export function checkKubeCredentials(
  config: k8s.KubeConfig,
  runIntervalMs: number,
  now: number,
  setSecret: (secret: string) => void,
): string[] {
  const { secrets, credentials } = kubeUserSecrets(config);
  for (const secret of secrets) setSecret(secret);
  const warnings: string[] = [];
  for (const { what, expiresAt, issuedAt } of credentials) {
    if (!expiresAt) continue;
    const at = expiresAt.toISOString();
    if (expiresAt.getTime() <= now)
      throw new CredentialExpiredError(
        `the kubeconfig's ${what} expired at ${at} (${span(now - expiresAt.getTime())} ago); nothing was sent to the cluster. To renew it, ${RENEW}`,
      );
    const madeForThisRun =
      issuedAt !== undefined && now - issuedAt.getTime() < MADE_FOR_THIS_RUN_MS;
    if (expiresAt.getTime() < now + runIntervalMs && !madeForThisRun)
      warnings.push(
        `the kubeconfig's ${what} expires at ${at} (in ${span(expiresAt.getTime() - now)}), before the next run (run-interval ${span(runIntervalMs)}), which would then stop before it reaches the cluster. To renew it, ${RENEW}`,
      );
  }
  return warnings;
}

/** A secret as the log may show it: whole, and each line of one with several. */
function maskable(value: string): string[] {
  const lines = value.split(/\r?\n/).map((l) => l.trim());
  return [value, ...(lines.length > 1 ? lines : [])].filter(
    (v) => v.length >= 8 && !v.startsWith("-----"),
  );
}

/**
 * The keys of a Secret that hold a secret: a password, a private key, a token. A user name
 * or a certificate is not one, and masking it (postgres) would blank the log.
 */
const SECRET_KEY = /pass|secret|token|(^|[._-])key$|credential/i;

/** Every secret value of the Secrets among the objects (the per-cluster ones a local run makes), encoded and not. */
export function secretValues(objects: KubeObject[]): string[] {
  const values: string[] = [];
  for (const object of objects.filter((o) => o.kind === "Secret")) {
    const { data, stringData } = object as {
      data?: Record<string, string>;
      stringData?: Record<string, string>;
    };
    for (const [key, encoded] of Object.entries(data ?? {}))
      if (SECRET_KEY.test(key))
        values.push(
          ...maskable(encoded),
          ...maskable(Buffer.from(encoded, "base64").toString("utf8")),
        );
    for (const [key, plain] of Object.entries(stringData ?? {}))
      if (SECRET_KEY.test(key)) values.push(...maskable(plain));
  }
  return [...new Set(values)];
}

/**
 * The cluster of a kubeconfig, its secrets masked and its credential checked first: an
 * expired one throws CredentialExpiredError before anything is sent.
 */
export function openCheckedKubeCluster(
  kubeconfig: string,
  runIntervalMs: number,
  now: number,
  setSecret: (secret: string) => void,
): { opened: OpenedCluster; warnings: string[] } {
  const config = loadKubeConfig(kubeconfig);
  const warnings = checkKubeCredentials(config, runIntervalMs, now, setSecret);
  return { opened: openKubeCluster(config), warnings };
}
