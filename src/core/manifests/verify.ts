// Every offline check of a set of manifests in one call: the Kubernetes schema, the
// references between objects, and the pod and workload policy.

import type { ManifestDoc } from "./load.ts";
import type { ManifestProblem } from "./problem.ts";
import { checkReferences, type ProvidedObjects } from "./references.ts";
import { validateSchema } from "./schema.ts";
import { checkPolicy } from "./security-rules.ts";

export function verifyManifests(
  docs: ManifestDoc[],
  provided: ProvidedObjects = {},
): ManifestProblem[] {
  return [
    ...docs.flatMap(validateSchema),
    ...checkReferences(docs, provided),
    ...docs.flatMap((doc) => checkPolicy(doc)),
  ];
}
