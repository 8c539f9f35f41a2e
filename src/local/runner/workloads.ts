// The controllers of StatefulSets and Deployments on the local runner: as many pods as
// the replica count asks for, replaced when the pod template changes. A StatefulSet's
// pods have stable names (postgres-0); a Deployment's get a random suffix.
import { randomBytes } from "node:crypto";
import type { V1PodSpec } from "@kubernetes/client-node";
import type { KubeObject } from "../../core/cluster.ts";
import type { Pods } from "./pods.ts";

interface WorkloadSpec {
  replicas?: number;
  template: { metadata?: { labels?: Record<string, string> }; spec: V1PodSpec };
}

function suffix(): string {
  return randomBytes(3).toString("hex").slice(0, 5);
}

export async function reconcile(
  pods: Pods,
  object: KubeObject,
  previous: KubeObject | undefined,
): Promise<void> {
  const namespace = object.metadata.namespace ?? "default";
  const owner = `${object.kind}/${object.metadata.name}`;
  const spec = object.spec as WorkloadSpec;
  const template = spec.template;
  const start = (name: string) =>
    pods.start(namespace, name, template.metadata?.labels ?? {}, template.spec, owner);
  const changedTemplate =
    previous &&
    JSON.stringify((previous.spec as WorkloadSpec).template) !== JSON.stringify(template);
  if (changedTemplate) {
    for (const pod of pods.ownedBy(owner, namespace)) await pods.stop(namespace, pod.name);
  }
  const want = spec.replicas ?? 1;
  const running = pods.ownedBy(owner, namespace);
  if (object.kind === "StatefulSet") {
    for (let i = 0; i < want; i++) {
      const name = `${object.metadata.name}-${i}`;
      if (!running.some((p) => p.name === name)) await start(name);
    }
    for (const pod of running) {
      if (Number(pod.name.split("-").pop()) >= want) await pods.stop(namespace, pod.name);
    }
  } else {
    for (let i = running.length; i < want; i++) await start(`${object.metadata.name}-${suffix()}`);
    for (const pod of running.slice(want)) await pods.stop(namespace, pod.name);
  }
}
