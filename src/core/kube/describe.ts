// What `kubectl describe job` shows a person whose Job failed: its pods with their
// containers' states, and the events about the Job and each pod. Events are asked for by
// field selector, object by object: a busy namespace has thousands, and a list of them
// all is slow and paginated.
import type * as k8s from "@kubernetes/client-node";
import type { JobDescription } from "../cluster.ts";

/** Reads through the API, retried like every other call (see retry.ts). */
export type Read = <T>(what: string, call: () => Promise<T>) => Promise<T>;

export async function describeJob(
  core: k8s.CoreV1Api,
  read: Read,
  namespace: string,
  name: string,
): Promise<JobDescription> {
  const pods = await read(`list the pods of job/${name}`, () =>
    core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` }),
  );
  const described: JobDescription = { pods: pods.items.map(describePod), events: [] };
  const objects = [
    { kind: "Job", name },
    ...pods.items.map((p) => ({ kind: "Pod", name: p.metadata?.name ?? "" })),
  ];
  for (const object of objects) {
    const fieldSelector = `involvedObject.kind=${object.kind},involvedObject.name=${object.name}`;
    const events = await read(`list the events of ${object.kind}/${object.name}`, () =>
      core.listNamespacedEvent({ namespace, fieldSelector }),
    );
    for (const e of events.items)
      described.events.push({
        object: `${e.involvedObject.kind}/${e.involvedObject.name}`,
        type: e.type ?? "",
        reason: e.reason ?? "",
        message: e.message ?? "",
      });
  }
  return described;
}

function describePod(pod: k8s.V1Pod): JobDescription["pods"][number] {
  return {
    name: pod.metadata?.name ?? "?",
    phase: pod.status?.phase ?? "unknown",
    containers: (pod.status?.containerStatuses ?? []).map((c) => ({
      name: c.name,
      state: c.state?.terminated
        ? `terminated (${c.state.terminated.reason ?? "?"}, exit code ${c.state.terminated.exitCode})`
        : c.state?.waiting
          ? `waiting (${c.state.waiting.reason ?? "?"}: ${c.state.waiting.message ?? ""})`
          : "running",
      restarts: c.restartCount,
    })),
  };
}
