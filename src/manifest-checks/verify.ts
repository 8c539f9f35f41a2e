// Every offline check of a set of manifests in one call: the Kubernetes schema, the
// references between objects, the pod and workload policy, and that no two backups of one
// stanza collide on its lock.

import type { ManifestDoc } from "../core/manifests/load.ts";
import { checkBackupLocks } from "./backup-lock.ts";
import type { ManifestProblem } from "./problem.ts";
import { checkReferences, type ProvidedObjects } from "./references.ts";
import { validateSchema } from "./schema.ts";
import { checkPolicy } from "./security-rules.ts";

/**
 * `uids`: the user a workload's image runs as, where it is not postgres (999), by
 * "Kind/name": the bot's image runs as 1000.
 */
export function verifyManifests(
  docs: ManifestDoc[],
  provided: ProvidedObjects = {},
  uids: Record<string, number> = {},
): ManifestProblem[] {
  return [
    ...docs.flatMap(validateSchema),
    ...checkReferences(docs, provided),
    ...checkBackupLocks(docs),
    ...docs.flatMap((doc) =>
      checkPolicy(doc, { uid: uids[`${doc.object.kind}/${objectNameOf(doc)}`] }),
    ),
  ];
}

function objectNameOf(doc: ManifestDoc): string {
  return String((doc.object.metadata as { name?: unknown } | undefined)?.name ?? "");
}
