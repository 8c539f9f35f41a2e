// /help: what the bot can do on this issue, as a reply.
import { USAGE } from "../command.ts";
import { reply, type Target } from "../status-comment.ts";
import type { CommandContext } from "./context.ts";

export function helpText(context: CommandContext, target: Target): Promise<void> {
  const who = context.operation.requester;
  return reply(context.octokit, target, `@${who}: what I can do on this issue:\n\n${USAGE}`);
}
