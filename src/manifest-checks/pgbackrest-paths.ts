// The pgBackRest rules of the cross-object checks: every path in the configuration a
// container mounts at /etc/pgbackrest (pgbackrest.conf and its conf.d role files) and in
// its PGBACKREST_* variables exists in that container, and the paths pgBackRest writes
// are on writable volumes.
import type { V1Container, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { POSTGRES } from "../core/names/objects.ts";
import {
  environmentConfig,
  mergeConfigs,
  optionValue,
  parsePgbackrestConfig,
} from "../core/pgbackrest/config.ts";
import { type Catalog, type Found, type KeyedData, under, volumeFiles } from "./catalog.ts";

export interface Mounted {
  mount: V1VolumeMount;
  volume: V1Volume;
}

export function checkPgbackrestPaths(
  c: V1Container,
  path: string,
  mounted: Mounted[],
  runsPostgres: boolean,
  catalog: Catalog,
  found: Found,
): void {
  const etc = mounted.find(({ mount }) => mount.mountPath === "/etc/pgbackrest" && !mount.subPath);
  if (!etc) return;
  const configMap = catalog.get("ConfigMap", "pgbackrest-config") as KeyedData | undefined;
  const sources = etc.volume.projected?.sources ?? [{ configMap: etc.volume.configMap }];
  const items = sources
    .flatMap((s) => (s.configMap?.name === "pgbackrest-config" ? (s.configMap.items ?? []) : []))
    .filter((it) => it.path === "pgbackrest.conf" || /^conf\.d\/[^/]+\.conf$/.test(it.path));
  const config = mergeConfigs([
    ...items.map((it) => parsePgbackrestConfig(String(configMap?.data?.[it.key] ?? "")).config),
    environmentConfig(c.env ?? []),
  ]);

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
      ({ volume }) => volume.persistentVolumeClaim?.claimName === POSTGRES.claim,
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
  // The program, or the script sh runs (the restore's fence).
  const command = c.command?.[0] === "sh" ? c.command[1] : c.command?.[0];
  if (command?.startsWith("/") && !files.has(command))
    found(`${path}.command`, `${command} is not mounted in this container`);
}
