// deploy: the manifests in the seed's order (server-side apply on Kubernetes), PostgreSQL
// and the repository host ready, the stanza-create Job run to completion. A second run
// changes nothing: a completed stanza Job is left alone, a failed one is run again.
import type { KubeObject } from "../../core/cluster.ts";
import { runJob } from "../../core/jobs.ts";
import { jobFailure } from "./failure.ts";
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
    const conditions = (
      (existing?.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []
    ).filter((c) => c.status === "True");
    const alreadyCreated = conditions.some((c) => c.type === "Complete");
    if (alreadyCreated) {
      log(`Job ${stanzaJob.metadata.name} already completed; not run again`);
    } else {
      if (existing) await cluster.delete("Job", ns, stanzaJob.metadata.name);
      const run = await runJob(cluster, stanzaJob, inputs.timeoutMs);
      if (run.result.outcome !== "Complete")
        return jobFailure(context, "the stanza-create Job", run);
    }
    await cluster.apply(objects.slice(first + 1));
    return {
      ok: true,
      detail: `${objects.length} objects applied; stanza ${inputs.stanza} ${alreadyCreated ? "already created" : "created"}`,
    };
  };
}
