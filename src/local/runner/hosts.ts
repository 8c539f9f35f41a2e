// The runner's name service: one /etc/hosts, bind-mounted into every container, with each
// pod's hostname and each Service's names pointing at a ready pod it selects.
import { closeSync, ftruncateSync, openSync, writeSync } from "node:fs";
import type { KubeObject } from "../../core/cluster.ts";
import { selects } from "../../core/label-selector.ts";
import type { LocalPod } from "./pod.ts";

/** /etc/hosts of every pod: each Service name → the address of a ready pod it selects, and pod hostnames. */
export function writeHostsFile(path: string, pods: LocalPod[], objects: KubeObject[]): void {
  const lines = ["127.0.0.1 localhost"];
  for (const pod of pods) lines.push(`${pod.address} ${pod.name}`);
  for (const service of objects) {
    if (service.kind !== "Service") continue;
    const selector = (service.spec as { selector?: Record<string, string> }).selector ?? {};
    const ns = service.metadata.namespace ?? "default";
    const pod = pods.find(
      (p) => p.namespace === ns && p.ready && selects({ matchLabels: selector }, p.labels),
    );
    const name = service.metadata.name;
    if (pod)
      lines.push(
        `${pod.address} ${name} ${name}.${ns} ${name}.${ns}.svc ${name}.${ns}.svc.cluster.local`,
      );
  }
  // In place, not by rename: every container has this file bind-mounted. Written over
  // and then cut to length rather than truncated first, so a lookup never reads it empty.
  const content = `${lines.join("\n")}\n`;
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, content, 0);
    ftruncateSync(fd, Buffer.byteLength(content));
  } finally {
    closeSync(fd);
  }
}
