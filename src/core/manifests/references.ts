// Cross-object checks that the schema cannot make: everything a pod uses is defined
// (or listed as provided per cluster), Services and policies select real pods, and every
// path pgBackRest is configured with exists in the container that reads it.
import type { V1Container, V1PodSpec, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { selects } from "../label-selector.ts";
import { mergeConfigs, optionValue, parsePgbackrestConfig } from "../pgbackrest/config.ts";
import type { ManifestDoc } from "./load.ts";
import { containerArgv, parseKubectlExec, podSpecOf, podSpecPath } from "./pod.ts";
import { type ManifestProblem, objectName } from "./problem.ts";

/** Objects made per cluster rather than committed: "Kind/name" → the keys they carry. */
export type ProvidedObjects = Record<string, string[]>;

// biome-ignore lint/suspicious/noExplicitAny: walking untyped YAML
type Any = any;
type Found = (path: string, message: string) => void;

/** Everything the manifests define, for lookups by kind and name. */
class Catalog {
  private readonly objects = new Map<string, Any>();
  private readonly provided: ProvidedObjects;
  readonly pods: { spec: V1PodSpec; labels: Record<string, string> }[] = [];

  constructor(docs: ManifestDoc[], provided: ProvidedObjects) {
    this.provided = provided;
    for (const { object } of docs as { object: Any }[]) {
      this.objects.set(`${object.kind}/${object.metadata?.name}`, object);
      const spec = podSpecOf(object);
      const template =
        object.kind === "CronJob"
          ? object.spec?.jobTemplate?.spec?.template
          : object.spec?.template;
      const labels = object.kind === "Pod" ? object.metadata?.labels : template?.metadata?.labels;
      if (spec) this.pods.push({ spec, labels: labels ?? {} });
    }
  }

  get(kind: string, name: string | undefined): Any {
    return this.objects.get(`${kind}/${name}`);
  }

  has(kind: string, name: string | undefined): boolean {
    return this.get(kind, name) !== undefined || this.provided[`${kind}/${name}`] !== undefined;
  }

  /** The keys of a ConfigMap or Secret, when known. */
  keys(kind: string, name: string | undefined): string[] | undefined {
    const provided = this.provided[`${kind}/${name}`];
    if (provided) return provided;
    const object = this.get(kind, name);
    return object && [...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {})];
  }

  /**
   * Reports a missing object, or a key the object does not have. An optional reference
   * (`optional: true`) may name an object that is absent; when it is there, its keys count.
   */
  need(
    found: Found,
    path: string,
    kind: string,
    name: string | undefined,
    keys: string[] = [],
    optional = false,
  ): void {
    if (!this.has(kind, name)) {
      if (optional) return;
      found(path, `${kind} "${name}" is not defined in the manifests or provided per cluster`);
      return;
    }
    const known = this.keys(kind, name);
    for (const key of keys)
      if (known && !known.includes(key)) found(path, `${kind} "${name}" has no key "${key}"`);
  }

  podsSelectedBy(selector: Record<string, string> | undefined): V1PodSpec[] {
    return this.pods.filter((p) => selects({ matchLabels: selector }, p.labels)).map((p) => p.spec);
  }
}

function under(path: string, mountPath: string): boolean {
  return path === mountPath || path.startsWith(`${mountPath.replace(/\/$/, "")}/`);
}

/** Files a volume puts at its mount point: its items' paths, or every key without items. */
function volumeFiles(volume: V1Volume, catalog: Catalog): string[] {
  const source = (kind: string, name: string | undefined, items?: { path: string }[]) =>
    items ? items.map((i) => i.path) : (catalog.keys(kind, name) ?? []);
  if (volume.configMap) return source("ConfigMap", volume.configMap.name, volume.configMap.items);
  if (volume.secret) return source("Secret", volume.secret.secretName, volume.secret.items);
  return (volume.projected?.sources ?? []).flatMap((s) => [
    ...(s.configMap ? source("ConfigMap", s.configMap.name, s.configMap.items) : []),
    ...(s.secret ? source("Secret", s.secret.name, s.secret.items) : []),
  ]);
}

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
  if (argv[0] !== "kubectl" || argv[1] !== "exec") return;
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
  const names: string[] = (target.spec?.template?.spec?.containers ?? []).map(
    (x: V1Container) => x.name,
  );
  if (exec.container && !names.includes(exec.container)) {
    found(
      `${path}.command`,
      `StatefulSet ${set} has no container "${exec.container}" (has ${names.join(", ")})`,
    );
  }
}

interface Mounted {
  mount: V1VolumeMount;
  volume: V1Volume;
}

/**
 * Every path in the pgBackRest configuration a container mounts at /etc/pgbackrest
 * (pgbackrest.conf plus its conf.d role files) exists in that container, and the paths
 * pgBackRest writes are on writable volumes.
 */
function checkPgbackrestPaths(
  c: V1Container,
  path: string,
  mounted: Mounted[],
  runsPostgres: boolean,
  catalog: Catalog,
  found: Found,
): void {
  const etc = mounted.find(({ mount }) => mount.mountPath === "/etc/pgbackrest" && !mount.subPath);
  if (!etc) return;
  const configMap = catalog.get("ConfigMap", "pgbackrest-config");
  const sources = etc.volume.projected?.sources ?? [{ configMap: etc.volume.configMap }];
  const items = sources
    .flatMap((s) => (s.configMap?.name === "pgbackrest-config" ? (s.configMap.items ?? []) : []))
    .filter((it) => it.path === "pgbackrest.conf" || /^conf\.d\/[^/]+\.conf$/.test(it.path));
  const config = mergeConfigs(
    items.map((it) => parsePgbackrestConfig(String(configMap?.data?.[it.key] ?? "")).config),
  );

  const files = new Set(
    mounted.flatMap(({ mount, volume }) =>
      mount.subPath
        ? [mount.mountPath]
        : volumeFiles(volume, catalog).map((f) => `${mount.mountPath}/${f}`),
    ),
  );
  const writable = (p: string) =>
    mounted.some(
      ({ mount, volume }) =>
        !mount.readOnly &&
        (volume.emptyDir || volume.persistentVolumeClaim) &&
        under(p, mount.mountPath),
    );
  const option = `${path}: pgbackrest option`;
  const stanzas = [...config.keys()].filter((s) => s !== "global");

  for (const stanza of stanzas.length ? stanzas : ["global"]) {
    const opt = (name: string) => optionValue(config, stanza, name);
    for (const section of [config.get("global"), config.get(stanza)]) {
      for (const [name, values] of section ?? []) {
        // *-file options name files (TLS material); log-level-file is a level, not a path.
        if (!name.endsWith("-file")) continue;
        for (const value of values) {
          if (value.startsWith("/") && !files.has(value))
            found(`${option} ${name}`, `${value} is not mounted in this container`);
        }
      }
    }
    for (const name of ["log-path", "lock-path"]) {
      const value = opt(name);
      if (value && !writable(value))
        found(
          `${option} ${name}`,
          `${value} is not on a writable volume (the root filesystem is read-only)`,
        );
    }
    const repo = opt("repo1-path");
    if (
      !opt("repo1-host") &&
      (opt("repo1-type") ?? "posix") === "posix" &&
      repo &&
      !writable(repo)
    ) {
      found(
        `${option} repo1-path`,
        `${repo} is not on a writable volume; this container owns the repository`,
      );
    }
    const pgdata = opt("pg1-path");
    const ownsData = mounted.some(
      ({ volume }) => volume.persistentVolumeClaim?.claimName === "postgres-data",
    );
    if (
      !opt("pg1-host") &&
      ownsData &&
      pgdata &&
      !mounted.some(({ mount }) => under(pgdata, mount.mountPath))
    ) {
      found(`${option} pg1-path`, `${pgdata} is not mounted`);
    }
    // pgBackRest reaches PostgreSQL through its socket: the directory must be shared.
    const socket = opt("pg1-socket-path");
    if (!opt("pg1-host") && runsPostgres && socket && !writable(socket)) {
      found(
        `${option} pg1-socket-path`,
        `${socket} must be a shared writable volume (emptyDir) in this pod`,
      );
    }
  }
  for (const e of c.env ?? []) {
    if (e.name === "VALIDATION_SCRATCH" && e.value && !writable(e.value)) {
      found(`${path}.env ${e.name}`, `${e.value} is not on a writable volume`);
    }
  }
  const command = c.command?.[0];
  if (command?.startsWith("/") && !files.has(command))
    found(`${path}.command`, `${command} is not mounted in this container`);
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
  const runsPostgres = spec.containers.some((c) => containerArgv(c)[0] === "postgres");
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

function checkService(o: Any, catalog: Catalog, found: Found): void {
  const pods = catalog.podsSelectedBy(o.spec?.selector);
  if (pods.length === 0) found("spec.selector", "selects no pod template in the manifests");
  for (const [i, port] of (o.spec?.ports ?? []).entries()) {
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

function checkNetworkPolicy(o: Any, catalog: Catalog, found: Found): void {
  const selectors: [string, Any][] = [["spec.podSelector", o.spec?.podSelector]];
  for (const direction of ["ingress", "egress"] as const) {
    for (const [i, rule] of (o.spec?.[direction] ?? []).entries()) {
      const field = direction === "ingress" ? "from" : "to";
      for (const [j, peer] of (rule[field] ?? []).entries()) {
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
    const o = doc.object as Any;
    const found: Found = (path, message) =>
      problems.push({ file: doc.file, object: objectName(o), path, message });
    const spec = podSpecOf(o);
    if (spec) checkPod(spec, podSpecPath(o.kind), catalog, found);
    if (o.kind === "Service") checkService(o, catalog, found);
    if (o.kind === "NetworkPolicy") checkNetworkPolicy(o, catalog, found);
    if (o.kind === "RoleBinding") {
      catalog.need(found, "roleRef", o.roleRef?.kind, o.roleRef?.name);
      for (const [i, s] of (o.subjects ?? []).entries()) {
        if (s.kind === "ServiceAccount")
          catalog.need(found, `subjects[${i}]`, "ServiceAccount", s.name);
      }
    }
  }
  return problems;
}
