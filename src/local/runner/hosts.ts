// The runner's name service: an /etc/hosts per namespace, bind-mounted into the containers
// of that namespace's pods, as a cluster's DNS answers them: a Service's short name in its
// own namespace only, its qualified names (name.namespace, ...svc, ...svc.cluster.local)
// everywhere, each pointing at a ready pod it selects; and the pods' hostnames.
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../../core/cluster.ts";
import { selects } from "../../core/label-selector.ts";
import type { LocalPod } from "./pod.ts";

/** The hosts file of a namespace's pods, made empty (localhost) when it is not there yet. */
export function hostsFileOf(dir: string, namespace: string): string {
  const path = join(dir, "hosts", namespace);
  if (!existsSync(path)) {
    mkdirSync(join(dir, "hosts"), { recursive: true });
    writeInPlace(path, "127.0.0.1 localhost\n", true);
  }
  return path;
}

/** Writes every namespace's hosts file again, from the pods and Services there are now. */
export function writeHostsFiles(dir: string, pods: LocalPod[], objects: KubeObject[]): void {
  const namespaces = new Set(pods.map((p) => p.namespace));
  for (const namespace of namespaces) {
    const path = hostsFileOf(dir, namespace);
    writeInPlace(path, hostsFor(namespace, pods, objects), false);
  }
}

function hostsFor(namespace: string, pods: LocalPod[], objects: KubeObject[]): string {
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
    if (!pod) continue;
    const qualified = `${name}.${ns} ${name}.${ns}.svc ${name}.${ns}.svc.cluster.local`;
    lines.push(`${pod.address} ${ns === namespace ? `${name} ` : ""}${qualified}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * In place, not by rename: every container of the namespace has this file bind-mounted.
 * Written over and then cut to length rather than truncated first, so a lookup never
 * reads it empty.
 */
function writeInPlace(path: string, content: string, create: boolean): void {
  const fd = openSync(path, create ? "w" : "r+");
  try {
    writeSync(fd, content, 0);
    ftruncateSync(fd, Buffer.byteLength(content));
  } finally {
    closeSync(fd);
  }
}
