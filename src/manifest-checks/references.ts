// Cross-object checks that the schema cannot make: everything a pod uses is defined
// (or listed as provided per cluster), Services and policies select real pods, and every
// path pgBackRest is configured with exists in the container that reads it
// (pgbackrest-paths.ts).
import type { V1Container, V1PodSpec, V1Volume } from "@kubernetes/client-node";
import type { KubeObject } from "../core/cluster.ts";
import type { LabelSelector } from "../core/label-selector.ts";
import type { ManifestDoc } from "../core/manifests/load.ts";
import {
  containerArgv,
  isKubectlExec,
  parseKubectlExec,
  podSpecOf,
  podSpecPath,
  programArgv,
} from "../core/manifests/pod.ts";
import { Catalog, type Found, type ProvidedObjects, volumeFiles } from "./catalog.ts";
import { checkPgbackrestPaths } from "./pgbackrest-paths.ts";
import { type ManifestProblem, objectName } from "./problem.ts";

export type { ProvidedObjects };

/** A ConfigMap or Secret a volume reads: its name, the keys it picks, whether it may be absent. */
interface KeySource {
  name?: string;
  items?: { key: string }[];
  optional?: boolean;
}

function checkVolumes(spec: V1PodSpec, base: string, catalog: Catalog, found: Found): void {
  const need = (path: string, kind: string, source: KeySource) =>
    catalog.need(
      found,
      path,
      kind,
      source.name,
      source.items?.map((it) => it.key),
      source.optional,
    );
  for (const [i, v] of (spec.volumes ?? []).entries()) {
    const path = `${base}.volumes[${i}]`;
    if (v.configMap) need(path, "ConfigMap", v.configMap);
    if (v.secret) need(path, "Secret", { ...v.secret, name: v.secret.secretName });
    if (v.persistentVolumeClaim)
      catalog.need(found, path, "PersistentVolumeClaim", v.persistentVolumeClaim.claimName);
    for (const [j, s] of (v.projected?.sources ?? []).entries()) {
      const sourcePath = `${path}.projected.sources[${j}]`;
      if (s.configMap) need(sourcePath, "ConfigMap", s.configMap);
      if (s.secret) need(sourcePath, "Secret", s.secret);
    }
  }
}

function checkContainerRefs(
  c: V1Container,
  path: string,
  volumes: Map<string, V1Volume>,
  catalog: Catalog,
  found: Found,
): void {
  for (const [i, e] of (c.envFrom ?? []).entries()) {
    const at = `${path}.envFrom[${i}]`;
    if (e.configMapRef)
      catalog.need(found, at, "ConfigMap", e.configMapRef.name, [], e.configMapRef.optional);
    if (e.secretRef) catalog.need(found, at, "Secret", e.secretRef.name, [], e.secretRef.optional);
  }
  for (const [i, e] of (c.env ?? []).entries()) {
    const cm = e.valueFrom?.configMapKeyRef;
    const secret = e.valueFrom?.secretKeyRef;
    if (cm) catalog.need(found, `${path}.env[${i}]`, "ConfigMap", cm.name, [cm.key], cm.optional);
    if (secret)
      catalog.need(
        found,
        `${path}.env[${i}]`,
        "Secret",
        secret.name,
        [secret.key],
        secret.optional,
      );
  }
  for (const [i, m] of (c.volumeMounts ?? []).entries()) {
    const volume = volumes.get(m.name);
    if (!volume) {
      found(`${path}.volumeMounts[${i}].name`, `no volume named "${m.name}" in the pod`);
    } else if (m.subPath && (volume.configMap || volume.secret || volume.projected)) {
      if (!volumeFiles(volume, catalog).includes(m.subPath)) {
        found(
          `${path}.volumeMounts[${i}].subPath`,
          `volume "${m.name}" has no file "${m.subPath}"`,
        );
      }
    }
  }
}

/** `kubectl exec POD --container=C -- ...`: a StatefulSet here creates POD, with container C. */
function checkExec(c: V1Container, path: string, catalog: Catalog, found: Found): void {
  const argv = containerArgv(c);
  if (!isKubectlExec(argv)) return;
  const exec = parseKubectlExec(argv);
  const set = /^(.+)-\d+$/.exec(exec.pod)?.[1];
  const target = set && catalog.get("StatefulSet", set);
  if (!target) {
    found(
      `${path}.command`,
      `execs in pod "${exec.pod}", which no StatefulSet in the manifests creates`,
    );
    return;
  }
  const template = (target.spec as { template?: { spec?: V1PodSpec } } | undefined)?.template;
  const names = (template?.spec?.containers ?? []).map((x) => x.name);
  if (exec.container && !names.includes(exec.container)) {
    found(
      `${path}.command`,
      `StatefulSet ${set} has no container "${exec.container}" (has ${names.join(", ")})`,
    );
  }
}

function checkPod(spec: V1PodSpec, base: string, catalog: Catalog, found: Found): void {
  catalog.need(
    found,
    `${base}.serviceAccountName`,
    "ServiceAccount",
    spec.serviceAccountName ?? "default",
  );
  checkVolumes(spec, base, catalog, found);
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  const runsPostgres = spec.containers.some((c) => programArgv(c)[0] === "postgres");
  const containers: [string, V1Container][] = [
    ...(spec.initContainers ?? []).map((c, i): [string, V1Container] => [
      `${base}.initContainers[${i}]`,
      c,
    ]),
    ...spec.containers.map((c, i): [string, V1Container] => [`${base}.containers[${i}]`, c]),
  ];
  for (const [path, c] of containers) {
    checkContainerRefs(c, path, volumes, catalog, found);
    checkExec(c, path, catalog, found);
    const mounted = (c.volumeMounts ?? []).flatMap((mount) => {
      const volume = volumes.get(mount.name);
      return volume ? [{ mount, volume }] : [];
    });
    checkPgbackrestPaths(c, path, mounted, runsPostgres, catalog, found);
  }
  const used = new Set(containers.flatMap(([, c]) => (c.volumeMounts ?? []).map((m) => m.name)));
  for (const name of volumes.keys()) {
    if (!used.has(name)) found(`${base}.volumes`, `volume "${name}" is mounted by no container`);
  }
}

interface ServiceSpec {
  selector?: Record<string, string>;
  ports?: { targetPort?: string | number }[];
}

function checkService(o: KubeObject, catalog: Catalog, found: Found): void {
  const spec = o.spec as ServiceSpec | undefined;
  const pods = catalog.podsSelectedBy(spec?.selector);
  if (pods.length === 0) found("spec.selector", "selects no pod template in the manifests");
  for (const [i, port] of (spec?.ports ?? []).entries()) {
    if (typeof port.targetPort !== "string") continue;
    const named = pods.some((p) =>
      p.containers.some((c) => c.ports?.some((cp) => cp.name === port.targetPort)),
    );
    if (!named)
      found(
        `spec.ports[${i}].targetPort`,
        `no selected container has a port named "${port.targetPort}"`,
      );
  }
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
}

interface PolicySpec {
  podSelector?: LabelSelector;
  ingress?: { from?: PolicyPeer[] }[];
  egress?: { to?: PolicyPeer[] }[];
}

function checkNetworkPolicy(o: KubeObject, catalog: Catalog, found: Found): void {
  const spec = o.spec as PolicySpec | undefined;
  const selectors: [string, LabelSelector | undefined][] = [
    ["spec.podSelector", spec?.podSelector],
  ];
  for (const direction of ["ingress", "egress"] as const) {
    for (const [i, rule] of (spec?.[direction] ?? []).entries()) {
      const field = direction === "ingress" ? "from" : "to";
      const peers = (rule as { from?: PolicyPeer[]; to?: PolicyPeer[] })[field] ?? [];
      for (const [j, peer] of peers.entries()) {
        // A peer with a namespaceSelector selects pods elsewhere: not ours to check.
        if (peer.podSelector && !peer.namespaceSelector)
          selectors.push([`spec.${direction}[${i}].${field}[${j}].podSelector`, peer.podSelector]);
      }
    }
  }
  for (const [path, selector] of selectors) {
    const labels = selector?.matchLabels;
    if (labels && Object.keys(labels).length > 0 && catalog.podsSelectedBy(labels).length === 0) {
      found(path, "selects no pod template in the manifests");
    }
  }
}

export function checkReferences(
  docs: ManifestDoc[],
  provided: ProvidedObjects = {},
): ManifestProblem[] {
  const catalog = new Catalog(docs, provided);
  const problems: ManifestProblem[] = [];
  for (const doc of docs) {
    const o = doc.object as KubeObject & {
      roleRef?: { kind: string; name: string };
      subjects?: { kind: string; name: string; namespace?: string }[];
    };
    const found: Found = (path, message) =>
      problems.push({ file: doc.file, object: objectName(o), path, message });
    const spec = podSpecOf(o);
    if (spec) checkPod(spec, podSpecPath(o.kind), catalog, found);
    if (o.kind === "Service") checkService(o, catalog, found);
    if (o.kind === "NetworkPolicy") checkNetworkPolicy(o, catalog, found);
    if (o.kind === "RoleBinding") {
      catalog.need(found, "roleRef", o.roleRef?.kind ?? "Role", o.roleRef?.name);
      for (const [i, s] of (o.subjects ?? []).entries()) {
        // One of another namespace's (the bot's own, manifests/bot) comes with its render.
        const elsewhere = s.namespace !== undefined && s.namespace !== o.metadata.namespace;
        if (s.kind === "ServiceAccount" && !elsewhere)
          catalog.need(found, `subjects[${i}]`, "ServiceAccount", s.name);
      }
    }
  }
  return problems;
}
