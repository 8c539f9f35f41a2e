// Calling the Kubernetes API again when it fails for a moment (5xx, 429, a dropped or
// unanswered connection). The pause doubles with each attempt and is jittered, so that
// clients that failed together do not come back together; when API Priority and Fairness
// says how long to wait (429 with Retry-After), that is what is waited, within a bound.
import { AlreadyExistsError, ConflictError } from "../cluster.ts";
import { apiFailure, isTimedOut, isTransient, sleep } from "./api.ts";

export interface RetryPolicy {
  /** Attempts for a call that fails transiently. */
  attempts: number;
  /** The first pause between attempts; it doubles each time. */
  retryMs: number;
  /** The longest Retry-After honoured; a longer one is cut to this. */
  maxRetryAfterMs: number;
  /** How long one request may go without its whole answer (said when it gives up). */
  requestTimeoutMs: number;
}

/** An API call that failed, said once with what was being done; `code` is the HTTP status. */
export class KubeApiError extends Error {
  readonly code: number | undefined;
  constructor(what: string, said: string, cause: unknown) {
    super(`${what}: ${said}`, { cause });
    this.name = "KubeApiError";
    const code = (cause as { code?: unknown }).code;
    this.code = typeof code === "number" ? code : undefined;
  }
}

/** What the API said, and for a refusal of who is asking, what to look at. */
function refusal(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const said = apiFailure(error);
  if (code === 401) return `${said}; the kubeconfig's credentials were not accepted: renew them`;
  if (code === 403)
    return `${said}; the kubeconfig's identity may not do this: grant it in its Role (docs/bot.md lists the bot's)`;
  return said;
}

/** The wait the API asked for in a Retry-After header (seconds or an HTTP date), if any. */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  const headers = (error as { headers?: Record<string, string> }).headers ?? {};
  const value = Object.entries(headers).find(([name]) => name.toLowerCase() === "retry-after")?.[1];
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The pause after failed attempt `attempt` (1, 2, ...): half fixed, half random. */
export function pauseAfter(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const asked = retryAfterMs(error);
  if (asked !== undefined) return Math.min(asked, policy.maxRetryAfterMs);
  const ceiling = policy.retryMs * 2 ** (attempt - 1);
  return ceiling / 2 + (random() * ceiling) / 2;
}

/**
 * Runs the call, again after a pause while it fails transiently. Only for calls that are
 * safe to repeat: reads, server-side apply, scale, delete; creates and updates check what
 * they find.
 * `retried` tells the call that an earlier attempt may have landed. Every failure comes
 * out as one KubeApiError that says `what` once; errors the call made itself (an
 * AlreadyExistsError, a ConflictError) come out as they are.
 */
export async function retrying<T>(
  policy: RetryPolicy,
  what: string,
  call: (retried: boolean) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt > 1);
    } catch (error) {
      if (error instanceof AlreadyExistsError || error instanceof ConflictError) throw error;
      if (!isTransient(error)) throw new KubeApiError(what, refusal(error), error);
      if (attempt >= policy.attempts) {
        const said = isTimedOut(error)
          ? `no answer within ${policy.requestTimeoutMs / 1000} s`
          : apiFailure(error);
        throw new KubeApiError(
          what,
          `the Kubernetes API failed ${attempt} times in a row (${said}); is the API server up and reachable?`,
          error,
        );
      }
      await sleep(pauseAfter(error, attempt, policy));
    }
  }
}
