// How the bot says that something did not work, in one place: what the person can act on
// (a UserError: the lock held, a refusal, a failed Job explained) as it is, anything else
// as a failure of the bot's own. The status comment redacts whatever it shows.
import { LockedError } from "../core/lock.ts";
import { UserError } from "../core/user-error.ts";

export function failureText(error: unknown): string {
  if (error instanceof LockedError) return `❌ Not now: ${error.message}.`;
  if (error instanceof UserError) return `❌ ${error.message}`;
  return `❌ Failed: ${(error as Error).message}`;
}
