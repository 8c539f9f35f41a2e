// What a kubeconfig's user holds that is secret, and when its credential stops working: a
// bearer token's `exp` (a ServiceAccount token is a JWT) or a client certificate's
// notAfter. Read without calling the cluster, so that a face can refuse an expired
// credential, or warn of one about to expire, before anything is sent.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type * as k8s from "@kubernetes/client-node";

export interface KubeCredential {
  /** The credential as a person knows it: "the token of user ci", "the client certificate of user admin". */
  what: string;
  /** When it stops working; undefined when it does not say (an opaque token, exec, a password). */
  expiresAt?: Date;
  /** When it was made (a JWT's `iat`, a certificate's notBefore), when it says. */
  issuedAt?: Date;
}

export interface KubeUserSecrets {
  /** Every secret value the user holds, as it may appear in text, each once. */
  secrets: string[];
  /** What expires, soonest first. */
  credentials: KubeCredential[];
}

/** Keys of an auth provider's config or an exec's environment that hold a secret. */
const SECRET_NAME = /token|secret|password|key/i;

function decoded(base64: string): string {
  return Buffer.from(base64, "base64").toString("utf8");
}

function readOrEmpty(file: string | undefined): string {
  if (!file) return "";
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

type Lifetime = Pick<KubeCredential, "expiresAt" | "issuedAt">;

function seconds(value: unknown): Date | undefined {
  return typeof value === "number" && Number.isFinite(value) ? new Date(value * 1000) : undefined;
}

function date(text: string): Date | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Only the fields that are known: an absent date stays absent. */
function known(lifetime: Lifetime): Lifetime {
  return Object.fromEntries(Object.entries(lifetime).filter(([, v]) => v)) as Lifetime;
}

/** A JWT's `exp` and `iat`; nothing when the token is not a JWT or says neither. */
export function tokenLifetime(token: string): Lifetime {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return {};
  try {
    const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as {
      exp?: unknown;
      iat?: unknown;
    };
    return known({ expiresAt: seconds(claims.exp), issuedAt: seconds(claims.iat) });
  } catch {
    return {};
  }
}

/** A PEM certificate's notAfter and notBefore; nothing when it cannot be read. */
export function certificateLifetime(pem: string): Lifetime {
  try {
    const certificate = new X509Certificate(pem);
    return known({ expiresAt: date(certificate.validTo), issuedAt: date(certificate.validFrom) });
  } catch {
    return {};
  }
}

/** A PEM block's lines: a mask on the whole text would not match a line of the log. */
function pemLines(pem: string): string[] {
  return pem
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 16 && !line.startsWith("-----"));
}

/** The current user's secrets and the expiry of its credentials; nothing when there is none. */
export function kubeUserSecrets(config: k8s.KubeConfig): KubeUserSecrets {
  const user = config.getCurrentUser();
  if (!user) return { secrets: [], credentials: [] };
  const secrets: string[] = [];
  const credentials: KubeCredential[] = [];
  const token = user.token ?? "";
  if (token) {
    secrets.push(token);
    credentials.push({ what: `token of user ${user.name}`, ...tokenLifetime(token) });
  }
  const key = user.keyData ? decoded(user.keyData) : readOrEmpty(user.keyFile);
  if (user.keyData) secrets.push(user.keyData);
  secrets.push(...pemLines(key));
  if (user.password) secrets.push(user.password);
  const cert = user.certData ? decoded(user.certData) : readOrEmpty(user.certFile);
  if (cert) {
    credentials.push({
      what: `client certificate of user ${user.name}`,
      ...certificateLifetime(cert),
    });
  }
  const providerConfig = (user.authProvider?.config ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(providerConfig))
    if (SECRET_NAME.test(name) && typeof value === "string" && value) secrets.push(value);
  for (const variable of (user.exec?.env ?? []) as { name?: string; value?: string }[])
    if (SECRET_NAME.test(variable.name ?? "") && variable.value) secrets.push(variable.value);
  credentials.sort(
    (a, b) => (a.expiresAt?.getTime() ?? Infinity) - (b.expiresAt?.getTime() ?? Infinity),
  );
  return { secrets: [...new Set(secrets)], credentials };
}
