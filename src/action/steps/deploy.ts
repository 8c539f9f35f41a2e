// deploy: the manifests in the seed's order (server-side apply on Kubernetes), PostgreSQL
// and the repository host ready, the stanza-create Job run to completion. A second run
// changes nothing: a completed stanza Job is left alone, a failed one is run again.
import type { KubeObject } from "../../core/cluster.ts";
import { jobEnding, runJobToCompletion } from "../../core/jobs.ts";
import type { Step } from "./step.ts";

export function deployStep(objects: KubeObject[]): Step {
  return async (context) => {
    const { cluster, inputs, log } = context;
    const ns = inputs.namespace;
    const stanzaJob = objects.find((o) => o.kind === "Job");
    if (!stanzaJob) throw new Error("the manifests have no stanza-create Job");
    const first = objects.indexOf(stanzaJob);
    log(`applying ${first} objects`);
    await cluster.apply(objects.slice(0, first));
    await cluster.waitForPodsReady(ns, { app: "postgres" }, inputs.timeoutMs);
    await cluster.waitForPodsReady(
      ns,
      { "app.kubernetes.io/component": "repo-host" },
      inputs.timeoutMs,
    );

    const existing = await cluster.get("Job", ns, stanzaJob.metadata.name);
    const alreadyCreated = existing !== undefined && jobEnding(existing) === "Complete";
    if (alreadyCreated) {
      log(`Job ${stanzaJob.metadata.name} already completed; not run again`);
    } else {
      if (existing) await cluster.delete("Job", ns, stanzaJob.metadata.name);
      await runJobToCompletion(cluster, stanzaJob, inputs.timeoutMs, "the stanza-create Job");
    }
    await cluster.apply(objects.slice(first + 1));
    return {
      ok: true,
      detail: `${objects.length} objects applied; stanza ${inputs.stanza} ${alreadyCreated ? "already created" : "created"}`,
    };
  };
}
