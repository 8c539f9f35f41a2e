// deploy: the manifests in order (server-side apply on Kubernetes), PostgreSQL and the
// repository host ready, the stanza-create Job run to completion (core/operations/deploy.ts).
import type { KubeObject } from "../../core/cluster.ts";
import { deploy } from "../../core/operations/deploy.ts";
import { logProgress, type Step, stepSettings } from "./step.ts";

export function deployStep(objects: KubeObject[]): Step<"deploy"> {
  return async (context) => {
    const request = { objects, timeoutMs: context.inputs.timeoutMs };
    const result = await deploy(
      context.cluster,
      stepSettings(context),
      request,
      logProgress(context),
    );
    if (result.stanza === "already created")
      context.log(`Job ${result.stanzaJob} already completed; not run again`);
    return {
      ok: true,
      detail: `${result.applied} objects applied; stanza ${context.settings.stanza} ${result.stanza}`,
      data: result,
    };
  };
}
