// clone and drop-clone: a temporary copy of production at a point (core/operations/clone.ts),
// for a workflow to query (a migration rehearsed on yesterday's data, a report on the state
// before an incident), and its removal when the workflow is done with it.
import { cloneAtPoint, dropClone } from "../../core/operations/clone.ts";
import { logProgress, type Step, stepSettings } from "./step.ts";

export const cloneStep: Step<"clone"> = async (context) => {
  const { cluster, inputs } = context;
  const settings = stepSettings(context);
  const progress = logProgress(context);
  const { report: _, ...clone } = await cloneAtPoint(
    cluster,
    settings,
    {
      time: inputs.clonePoint,
      id: inputs.cloneId,
      ...(inputs.cloneDatabase ? { database: inputs.cloneDatabase } : {}),
      ttlMs: inputs.cloneTtlMs,
      annotations: context.annotations,
      timeoutMs: inputs.timeoutMs,
    },
    progress,
  );
  return {
    ok: true,
    detail: `clone ${clone.id} holds ${clone.point}${clone.database ? ` (database ${clone.database})` : ""} until ${clone.expiresAt}: in the cluster ${clone.host}:5432, from a laptop kubectl -n ${clone.namespace} port-forward svc/${clone.name} 5433:5432`,
    outputs: {
      "clone-id": clone.id,
      "clone-service": clone.name,
      "clone-host": clone.host,
      "clone-expires-at": clone.expiresAt,
    },
    data: clone,
  };
};

export const dropCloneStep: Step<"drop-clone"> = async (context) => {
  const removed = await dropClone(
    context.cluster,
    stepSettings(context),
    context.inputs.cloneId,
    logProgress(context),
  );
  return {
    ok: true,
    detail: `clone ${context.inputs.cloneId} removed: ${removed.join(", ")}`,
    data: { removed },
  };
};
