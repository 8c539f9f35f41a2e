// The lock one backup, validation or restore holds at a time: a Lease
// (coordination.k8s.io) named mcpgov-backup-lock in the product's namespace, so that
// everything that changes the database can see it — the bot, and the Action's deploy,
// which would otherwise start postgres-0 while a restore writes its data directory. It is
// created, never overwritten (two holders cannot both win), renewed while its operation
// runs, and says who holds it, since when, and until when it counts as alive.
import { AlreadyExistsError, type Cluster, type KubeObject } from "./cluster.ts";
import { UserError } from "./user-error.ts";

export const LOCK_NAME = "mcpgov-backup-lock";

/** How long a holder that stopped renewing still counts as alive. */
export const LOCK_LEASE_SECONDS = 300;

export interface LockHolder {
  /** The operation holding it (the bot's operation id). */
  operation: string;
  /** What it is doing: "/restore pitr 2026-11-24 14:30:00+00". */
  command: string;
  requester: string;
  /** When it was taken, and last renewed (ISO-8601 UTC). */
  since: string;
  renewed: string;
}

export interface HeldLock extends LockHolder {
  /** The holder stopped renewing more than LOCK_LEASE_SECONDS ago (its process is gone). */
  stale: boolean;
}

/** A Lease's times are MicroTime: RFC 3339 with six fractional digits. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** The Lease that says this holder has the lock. */
export function lockLease(namespace: string, holder: LockHolder): KubeObject {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: LOCK_NAME,
      namespace,
      labels: {
        "app.kubernetes.io/name": "mcpgov-backup",
        "app.kubernetes.io/component": "lock",
        "app.kubernetes.io/part-of": "mcpgov-backup",
      },
      annotations: {
        "mcpgov-backup/command": holder.command,
        "mcpgov-backup/requester": holder.requester,
      },
    },
    spec: {
      holderIdentity: holder.operation,
      leaseDurationSeconds: LOCK_LEASE_SECONDS,
      acquireTime: microTime(Date.parse(holder.since)),
      renewTime: microTime(Date.parse(holder.renewed)),
    },
  };
}

/** Who holds the lock, if anyone, and whether the holder still renews it. */
export async function readLock(
  cluster: Cluster,
  namespace: string,
  now = Date.now(),
): Promise<HeldLock | undefined> {
  const found = await cluster.get("Lease", namespace, LOCK_NAME);
  if (!found) return undefined;
  const spec = (found.spec ?? {}) as {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
  };
  const annotations = found.metadata.annotations ?? {};
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? "");
  const lasts = (spec.leaseDurationSeconds ?? LOCK_LEASE_SECONDS) * 1000;
  return {
    operation: spec.holderIdentity ?? "?",
    command: annotations["mcpgov-backup/command"] ?? "?",
    requester: annotations["mcpgov-backup/requester"] ?? "?",
    since: new Date(Date.parse(spec.acquireTime ?? "") || 0).toISOString(),
    renewed: Number.isNaN(renewed) ? "?" : new Date(renewed).toISOString(),
    // A lease never renewed, or not for its whole duration, has lost its holder.
    stale: Number.isNaN(renewed) || now - renewed > lasts,
  };
}

/** One line about the holder, for a refusal. */
export function describeHolder(held: HeldLock): string {
  const who = `\`${held.command}\` (op ${held.operation}) by @${held.requester} since ${held.since}`;
  return held.stale
    ? `${who}, whose holder stopped renewing it at ${held.renewed}: it may have died half-way; see docs/bot.md ("A lock left behind") before deleting lease/${LOCK_NAME}`
    : `${who}, renewed at ${held.renewed}`;
}

/** The lock is held: by whom, and whether its holder is still alive. */
export class LockedError extends UserError {
  readonly holder: HeldLock;
  constructor(held: HeldLock) {
    super(`another operation holds the lock: ${describeHolder(held)}`);
    this.name = "LockedError";
    this.holder = held;
  }
}

/** Takes the lock, or throws LockedError naming who holds it. */
export async function takeLock(
  cluster: Cluster,
  namespace: string,
  holder: Omit<LockHolder, "since" | "renewed">,
): Promise<void> {
  const now = new Date().toISOString();
  try {
    await cluster.create(lockLease(namespace, { ...holder, since: now, renewed: now }));
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    // Held by anyone, this operation included: a second confirmation of a plan whose
    // restore is running must not go on (and must not release the lock of the first).
    const held = await readLock(cluster, namespace);
    throw new LockedError(
      held ?? {
        ...holder,
        operation: "?",
        command: "?",
        requester: "?",
        since: "?",
        renewed: "?",
        stale: false,
      },
    );
  }
}

/** Renews the lock for its holder; false when it is not (or no longer) the holder's. */
export async function renewLock(
  cluster: Cluster,
  namespace: string,
  operation: string,
): Promise<boolean> {
  const held = await readLock(cluster, namespace);
  if (held?.operation !== operation) return false;
  await cluster.apply([lockLease(namespace, { ...held, renewed: new Date().toISOString() })]);
  return true;
}

/** Releases the lock if the operation holds it. */
export async function releaseLock(
  cluster: Cluster,
  namespace: string,
  operation: string,
): Promise<void> {
  const held = await readLock(cluster, namespace);
  if (held?.operation === operation) await cluster.delete("Lease", namespace, LOCK_NAME);
}

/**
 * Refuses work that must not overlap an operation holding the lock (the Action's deploy
 * would start postgres-0 under a restore) unless `lockHolder` is that operation: who holds
 * it, then `next`, what to do.
 */
export async function requireUnlocked(
  cluster: Cluster,
  where: { namespace: string; lockHolder?: string },
  next: string,
): Promise<void> {
  const held = await readLock(cluster, where.namespace);
  if (held && held.operation !== where.lockHolder)
    throw new UserError(`Not now: ${new LockedError(held).message}. ${next}`);
}
