// The lock one backup, validation or restore holds at a time: a Lease
// (coordination.k8s.io) named mcpgov-backup-lock in the product's namespace, so that
// everything that changes the database can see it — the bot, and the Action's deploy,
// which would otherwise start postgres-0 while a restore writes its data directory. It is
// created, never overwritten (two holders cannot both win), renewed while its operation
// runs, and says who holds it, since when, and until when it counts as alive.
import {
  AlreadyExistsError,
  type Cluster,
  ConflictError,
  type KubeObject,
  namespaceMissing,
  written,
} from "./cluster.ts";
import {
  COMMAND_ANNOTATION,
  COMPONENT,
  IF_INTERRUPTED_ANNOTATION,
  NAME_LABEL,
  PRODUCT,
  productLabels,
  REQUESTED_BY_ANNOTATION,
  requestedBy,
} from "./names/labels.ts";
import { LOCK_NAME } from "./names/objects.ts";
import { UserError } from "./user-error.ts";

/** How long a holder that stopped renewing still counts as alive. */
export const LOCK_LEASE_SECONDS = 300;

/** How often a held lock is renewed by default: well inside its lease. */
export const LOCK_RENEW_MS = 60_000;

/**
 * What a holder's interruption leaves, and so what becomes of its lock once it has gone
 * stale: `release` when the work finishes or fails on its own (a backup's Job, a table
 * copy's one transaction, committed whole or not at all); `keep` when production may be
 * left half-restored, for a person.
 */
export type IfInterrupted = "release" | "keep";

export interface LockHolder {
  /** The operation holding it (the bot's operation id). */
  operation: string;
  /** What it is doing: "/restore pitr 2026-11-24 14:30:00+00". */
  command: string;
  requester: string;
  ifInterrupted: IfInterrupted;
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
      labels: { [NAME_LABEL]: PRODUCT, ...productLabels(COMPONENT.lock) },
      annotations: {
        [COMMAND_ANNOTATION]: holder.command,
        [REQUESTED_BY_ANNOTATION]: holder.requester,
        [IF_INTERRUPTED_ANNOTATION]: holder.ifInterrupted,
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
  return found && holderOf(found, now);
}

/** The holder a Lease names. */
function holderOf(found: KubeObject, now = Date.now()): HeldLock {
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
    command: annotations[COMMAND_ANNOTATION] ?? "?",
    requester: requestedBy(annotations) ?? "?",
    // A lease that does not say is kept: releasing a half-restored production's is worse.
    ifInterrupted: annotations[IF_INTERRUPTED_ANNOTATION] === "release" ? "release" : "keep",
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
    if (!(error instanceof AlreadyExistsError)) throw namespaceMissing(error, namespace) ?? error;
    // Held by anyone, this operation included: a second confirmation of a plan whose
    // restore is running must not go on (and must not release the lock of the first).
    const held = await readLock(cluster, namespace);
    throw new LockedError(
      held ?? {
        ...holder,
        operation: "?",
        command: "?",
        requester: "?",
        ifInterrupted: "keep",
        since: "?",
        renewed: "?",
        stale: false,
      },
    );
  }
}

/**
 * Renews the lock for its holder; false when it is not (or no longer) the holder's. The
 * write holds to the lease as read, so a renewal cannot bring back a lock released or
 * taken over meanwhile.
 */
export async function renewLock(
  cluster: Cluster,
  namespace: string,
  operation: string,
): Promise<boolean> {
  const found = await cluster.get("Lease", namespace, LOCK_NAME);
  const held = found && holderOf(found);
  if (!found || held?.operation !== operation) return false;
  const renewed = lockLease(namespace, { ...held, renewed: new Date().toISOString() });
  renewed.metadata.resourceVersion = found.metadata.resourceVersion;
  return written(() => cluster.update(renewed), ConflictError);
}

/** A lock this process holds and renews until it is released or kept. */
export interface HeldLockHandle {
  /** Stops renewing and removes the lock. */
  release(): Promise<void>;
  /**
   * Stops renewing but leaves the lock: production is down half-way, and nothing may run
   * until a person has looked. The lease goes stale, and every refusal says so.
   */
  keep(): void;
}

/** Takes the lock (LockedError when held) and renews it every `renewMs` until released or kept. */
export async function holdLock(
  cluster: Cluster,
  namespace: string,
  holder: Omit<LockHolder, "since" | "renewed">,
  renewMs = LOCK_RENEW_MS,
): Promise<HeldLockHandle> {
  await takeLock(cluster, namespace, holder);
  const timer = setInterval(() => {
    renewLock(cluster, namespace, holder.operation).catch(() => {
      // The next renewal tries again; a lease not renewed for its duration goes stale.
    });
  }, renewMs);
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await releaseLock(cluster, namespace, holder.operation);
    },
    keep: () => clearInterval(timer),
  };
}

/** `work` while holding the lock (LockedError, naming the holder, when another has it); released after, whatever its end. */
export async function whileLocked<T>(
  cluster: Cluster,
  namespace: string,
  holder: Omit<LockHolder, "since" | "renewed">,
  work: () => Promise<T>,
  renewMs = LOCK_RENEW_MS,
): Promise<T> {
  const lock = await holdLock(cluster, namespace, holder, renewMs);
  try {
    return await work();
  } finally {
    await lock.release().catch(() => {
      // Left behind, it goes stale; its if-interrupted says release, so the next start frees it.
    });
  }
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

/** What reconcileLock found and did. */
export type LockReconciled =
  | { found: "alive"; held: HeldLock }
  | { found: "interrupted"; held: HeldLock; released: boolean };

/**
 * At start, before any new work: a lock whose holder stopped renewing it is released when
 * its interruption leaves nothing half-done, and kept, for a person, when it may have left
 * production half-restored. Undefined when nobody holds it.
 */
export async function reconcileLock(
  cluster: Cluster,
  namespace: string,
): Promise<LockReconciled | undefined> {
  const held = await readLock(cluster, namespace);
  if (!held) return undefined;
  if (!held.stale) return { found: "alive", held };
  if (held.ifInterrupted === "keep") return { found: "interrupted", held, released: false };
  await releaseLock(cluster, namespace, held.operation);
  return { found: "interrupted", held, released: true };
}
