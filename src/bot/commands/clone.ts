// /restore clone <point> [db=NAME] [ttl=4h] and /restore drop <clone>: a temporary copy of
// production at a point (core/operations/clone.ts), to query while production runs on,
// and its removal before its time. A clone changes nothing of production, so it is not
// planned and confirmed; it copies production's data, so it needs the restore right.
import { parseTtl } from "../../core/clone-objects.ts";
import { DEFAULT_CLONE_TTL } from "../../core/names/defaults.ts";
import { CLONE_ACCESS_LABEL } from "../../core/names/labels.ts";
import { POSTGRES } from "../../core/names/objects.ts";
import { type CloneResult, cloneAtPoint, dropClone } from "../../core/operations/clone.ts";
import { code } from "../status-comment.ts";
import { type CommandContext, timeoutMs } from "./context.ts";
import { operate } from "./job.ts";

export async function cloneCommand(
  context: CommandContext,
  point: string,
  database: string | undefined,
  ttl = DEFAULT_CLONE_TTL,
): Promise<string> {
  const ttlMs = parseTtl(ttl);
  const clone = await operate(context, (cluster, settings, progress) =>
    cloneAtPoint(
      cluster,
      settings,
      {
        time: point,
        assumeUtc: context.policy.assumeUtc,
        // The operation's id: a redelivered comment finds its clone instead of a second one.
        id: context.operation.id,
        ...(database ? { database } : {}),
        ttlMs,
        annotations: context.annotations,
        timeoutMs: timeoutMs(context),
      },
      progress,
    ),
  );
  return cloneText(clone);
}

/** What the comment says of a clone: what it holds, how to reach it, when it goes. */
export function cloneText(clone: CloneResult): string {
  const db = clone.database ?? "DATABASE";
  const recovered = clone.report.recovery?.recoveredTo;
  return [
    `🧪 Clone ${code(clone.id)} holds production as at **${clone.point}**${clone.database ? ` (database ${code(clone.database)} only)` : ""}, restored from backup set ${code(clone.report.backup?.label ?? "?")}${recovered ? `; the last transaction replayed committed at ${recovered}` : ""}. It cannot archive WAL or reach the repository, and production was not touched.`,
    `- from a laptop: ${code(`kubectl -n ${clone.namespace} port-forward svc/${clone.name} 5433:5432`)}, then ${code(`psql -h localhost -p 5433 -U ${POSTGRES.user} -d ${db}`)} (production's password, as it was at that point)`,
    `- from the cluster: a pod labelled ${code(`${CLONE_ACCESS_LABEL}=true`)} (manifests/clone/mcpgov-clone-client.yaml) connects to ${code(`${clone.host}:5432`)}`,
    `- it goes at **${clone.expiresAt}**, with its volume; earlier: ${code(`/restore drop ${clone.id}`)}`,
  ].join("\n");
}

export async function dropCommand(context: CommandContext, id: string): Promise<string> {
  const removed = await operate(context, (cluster, settings, progress) =>
    dropClone(cluster, settings, id, progress),
  );
  return `🗑️ Clone ${code(id)} removed: ${removed.map(code).join(", ")}.`;
}
