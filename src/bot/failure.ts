// How the bot says that something did not work, in one place: what the person can act on
// (a UserError: the lock held, a refusal, a failed Job explained) as it is, anything else
// as a failure of the bot's own. The status comment redacts whatever it shows; cluster
// text in it renders no HTML, Markdown or link and pings no one.
import { LockedError } from "../core/lock.ts";
import { UserError } from "../core/user-error.ts";
import { text } from "./status-comment.ts";

export function failureText(error: unknown): string {
  // The lock's holder is read from the Lease, and any other error may quote the cluster or
  // the API: shown as text. A UserError's is the product's own Markdown, its cluster text
  // already escaped where it is made (commands/job.ts, plans/production.ts).
  if (error instanceof LockedError) return `❌ Not now: ${text(error.message)}.`;
  if (error instanceof UserError) return `❌ ${error.message}`;
  return `❌ Failed: ${text((error as Error).message)}`;
}
