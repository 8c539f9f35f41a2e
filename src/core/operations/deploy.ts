// deploy: the manifests in their order, up to the stanza-create Job; PostgreSQL and the
// repository host ready; the stanza-create Job run to completion; then the rest (the
// CronJobs). A second run changes nothing: a completed stanza Job is left alone, a
// failed one is run again. The Namespace is never applied: a cluster admin creates it with
// its Pod Security labels, so the credentials that deploy need no right to change them.
// Nor are the admission policies' parameters (the PodTemplates that say which image the
// bot's and the Action's Jobs may run): an admin applies them, and no Role may write them.
import { type Cluster, type KubeObject, namespaceMissing } from "../cluster.ts";
import { jobEnding, runJobToCompletion } from "../jobs.ts";
import { requireUnlocked } from "../lock.ts";
import { COMPONENT, COMPONENT_LABEL } from "../names/labels.ts";
import { POLICY_PARAMETERS, POSTGRES } from "../names/objects.ts";
import type { Progress } from "../progress.ts";
import type { Settings } from "../settings.ts";
import { UserError } from "../user-error.ts";

export interface DeployRequest {
  /** Every object, in apply order, the stanza-create Job among them; a Namespace and the policies' parameters are left out. */
  objects: KubeObject[];
  timeoutMs: number;
}

export interface DeployResult {
  applied: number;
  /** Whether this run created the stanza, or found its Job completed before. */
  stanza: "created" | "already created";
  stanzaJob: string;
}

export async function deploy(
  cluster: Cluster,
  settings: Settings,
  request: DeployRequest,
  progress: Progress,
): Promise<DeployResult> {
  const { timeoutMs } = request;
  const { namespace } = settings;
  // Whatever order they come in (kustomize sorts by kind unless told otherwise): the stanza
  // Job after the pods it needs, the CronJobs that back it up after the stanza.
  const runs = (o: KubeObject) => o.kind === "Job" || o.kind === "CronJob";
  const adminsOwn = (o: KubeObject) =>
    o.kind === "Namespace" ||
    (o.kind === "PodTemplate" && POLICY_PARAMETERS.includes(o.metadata.name));
  const given = request.objects.filter((o) => !adminsOwn(o));
  const objects = [
    ...given.filter((o) => !runs(o)),
    ...given.filter((o) => o.kind === "Job"),
    ...given.filter((o) => o.kind === "CronJob"),
  ];
  const stanzaJob = objects.find((o) => o.kind === "Job");
  if (!stanzaJob)
    throw new UserError(
      "the manifests have no Job: deploy needs the stanza-create Job (pgbackrest-stanza-create-job.yaml) among them",
    );
  const first = objects.indexOf(stanzaJob);
  // Applying now could start postgres-0 while a restore writes its data directory.
  await requireUnlocked(cluster, settings, "Deploy again when it has finished.");
  await progress(`apply ${first} objects`, () =>
    cluster.apply(objects.slice(0, first)).catch((error) => {
      throw namespaceMissing(error, namespace) ?? error;
    }),
  );
  await progress("wait for PostgreSQL and the repository host", async () => {
    await cluster.waitForPodsReady(namespace, POSTGRES.labels, timeoutMs);
    const repoHost = { [COMPONENT_LABEL]: COMPONENT.repoHost };
    await cluster.waitForPodsReady(namespace, repoHost, timeoutMs);
  });
  const name = stanzaJob.metadata.name;
  const existing = await cluster.get("Job", namespace, name);
  const done = existing !== undefined && jobEnding(existing) === "Complete";
  if (!done) {
    await progress(`Job ${name} (stanza-create, check)`, async () => {
      if (existing) await cluster.delete("Job", namespace, name);
      await runJobToCompletion(cluster, stanzaJob, timeoutMs, "the stanza-create Job");
    });
  }
  const rest = objects.slice(first + 1);
  await progress(`apply ${rest.length} more (the CronJobs)`, () => cluster.apply(rest));
  return {
    applied: objects.length,
    stanza: done ? "already created" : "created",
    stanzaJob: name,
  };
}
