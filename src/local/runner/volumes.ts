// A pod's volumes as directories on this machine, and each container's mounts of them.
// ConfigMaps, Secrets and projections are written out as files (read-only to the
// container, as in Kubernetes); claims are directories that outlive the pod; emptyDirs
// live and die with it.
import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { V1Container, V1KeyToPath, V1PodSpec, V1Volume } from "@kubernetes/client-node";
import type { KubeObject } from "../../core/cluster.ts";

export interface VolumeLookup {
  configMap(name: string): KubeObject | undefined;
  secret(name: string): KubeObject | undefined;
  /** The directory of a PersistentVolumeClaim, or undefined when the claim does not exist. */
  claim(name: string): string | undefined;
}

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface Owner {
  uid: number;
  gid: number;
}

function filesOf(object: KubeObject): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const data = (object.data ?? {}) as Record<string, string>;
  for (const [key, value] of Object.entries(data)) {
    files[key] = object.kind === "Secret" ? Buffer.from(value, "base64") : Buffer.from(value);
  }
  for (const [key, value] of Object.entries((object.stringData ?? {}) as Record<string, string>)) {
    files[key] = Buffer.from(value);
  }
  return files;
}

/**
 * Writes a ConfigMap's or Secret's keys (or the chosen items) under dir. As the kubelet
 * does, an optional source that is absent, or lacks a key, puts nothing there.
 */
function writeKeys(
  dir: string,
  what: string,
  object: KubeObject | undefined,
  items: V1KeyToPath[] | undefined,
  mode: number,
  gid: number,
  optional = false,
): void {
  if (!object) {
    if (optional) return;
    throw new Error(`${what} not found: apply it before the pods that mount it`);
  }
  const files = filesOf(object);
  const chosen: V1KeyToPath[] = items ?? Object.keys(files).map((key) => ({ key, path: key }));
  for (const item of chosen) {
    const content = files[item.key];
    if (content === undefined && optional) continue;
    if (content === undefined) throw new Error(`${what} has no key "${item.key}"`);
    if (item.path.split("/").includes(".."))
      throw new Error(`${what}: item path "${item.path}" leaves the volume`);
    const file = join(dir, item.path);
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    writeFileSync(file, content);
    chmodSync(file, item.mode ?? mode);
    // Kubernetes writes these files as root with the pod's fsGroup as their group.
    chownSync(file, 0, gid);
  }
}

function prepareVolume(
  volume: V1Volume,
  dir: string,
  lookup: VolumeLookup,
  fsGroup: number | undefined,
  owner: Owner,
): string {
  const gid = fsGroup === undefined ? 0 : owner.gid;
  if (volume.persistentVolumeClaim) {
    const claim = volume.persistentVolumeClaim.claimName;
    const path = lookup.claim(claim);
    if (!path)
      throw new Error(
        `volume ${volume.name}: PersistentVolumeClaim "${claim}" not found: apply it first`,
      );
    return path;
  }
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (volume.emptyDir) {
    chmodSync(dir, 0o777);
    return dir;
  }
  // A ConfigMap's or Secret's keys as files, with the mode given (or 0644).
  const write = (
    kind: "ConfigMap" | "Secret",
    name: string | undefined,
    source: { items?: { key: string; path: string }[]; optional?: boolean },
    mode = 0o644,
  ) => {
    const object = kind === "ConfigMap" ? lookup.configMap(name ?? "") : lookup.secret(name ?? "");
    writeKeys(dir, `${kind} "${name ?? ""}"`, object, source.items, mode, gid, source.optional);
  };
  if (volume.configMap) {
    write("ConfigMap", volume.configMap.name, volume.configMap, volume.configMap.defaultMode);
  } else if (volume.secret) {
    write("Secret", volume.secret.secretName, volume.secret, volume.secret.defaultMode);
  } else if (volume.projected) {
    const mode = volume.projected.defaultMode;
    for (const [i, source] of (volume.projected.sources ?? []).entries()) {
      if (source.configMap) write("ConfigMap", source.configMap.name, source.configMap, mode);
      else if (source.secret) write("Secret", source.secret.name, source.secret, mode);
      else
        throw new Error(
          `volume ${volume.name}: projected.sources[${i}] must be a configMap or a secret in the local runner`,
        );
    }
  } else {
    throw new Error(
      `volume ${volume.name}: only configMap, secret, projected, persistentVolumeClaim and emptyDir are supported`,
    );
  }
  return dir;
}

/** Materialises every volume of the pod under podDir/volumes; returns name → directory. */
export function prepareVolumes(
  spec: V1PodSpec,
  podDir: string,
  lookup: VolumeLookup,
  owner: Owner,
): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const volume of spec.volumes ?? []) {
    dirs.set(
      volume.name,
      prepareVolume(
        volume,
        join(podDir, "volumes", volume.name),
        lookup,
        spec.securityContext?.fsGroup,
        owner,
      ),
    );
  }
  return dirs;
}

/** The container's volume mounts as bind mounts; ConfigMaps, Secrets and projections are always read-only. */
export function containerMounts(
  container: V1Container,
  spec: V1PodSpec,
  dirs: Map<string, string>,
): Mount[] {
  return (container.volumeMounts ?? []).map((m) => {
    const volume = spec.volumes?.find((v) => v.name === m.name);
    const dir = dirs.get(m.name);
    if (!volume || !dir)
      throw new Error(`container ${container.name}: volumeMounts ${m.name}: no such volume`);
    if (m.subPath?.split("/").includes(".."))
      throw new Error(`container ${container.name}: subPath "${m.subPath}" leaves the volume`);
    const alwaysReadOnly = Boolean(volume.configMap || volume.secret || volume.projected);
    if (/[\n\r]/.test(m.mountPath))
      throw new Error(`container ${container.name}: mountPath must not contain a line break`);
    return {
      source: m.subPath ? join(dir, m.subPath) : dir,
      target: m.mountPath,
      readOnly: alwaysReadOnly || m.readOnly === true,
    };
  });
}
