// What a pod uses is defined, and every path pgBackRest is configured with is mounted in
// the container that reads it; each kind of dangling reference is reported by name.
import { readFileSync } from "node:fs";
import type { V1Container } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { ManifestDoc } from "../../src/core/manifests/load.ts";
import { podSpecOf, programArgv, RESTORE_FENCE } from "../../src/core/manifests/pod.ts";
import { formatManifestProblem } from "../../src/manifest-checks/problem.ts";
import { checkReferences } from "../../src/manifest-checks/references.ts";
import { loadCommittedManifests, PROVIDED } from "./support.ts";

const docs = loadCommittedManifests();

// biome-ignore lint/suspicious/noExplicitAny: mutating YAML objects
type Mutation = (object: any) => void;

function problemsAfter(file: string, kind: string, mutate: Mutation): string {
  const mutated = docs.map((d): ManifestDoc => {
    if (!d.file.endsWith(`/${file}`) || d.object.kind !== kind) return d;
    const object = structuredClone(d.object);
    mutate(object);
    return { ...d, object };
  });
  return checkReferences(mutated, PROVIDED).map(formatManifestProblem).join("\n");
}

const postgresPod = "postgres-statefulset.yaml";

/** Takes the volume mount named `name` out of `container`. */
function unmount(container: { volumeMounts: { name: string }[] }, name: string): void {
  container.volumeMounts = container.volumeMounts.filter((m) => m.name !== name);
}

/** Takes restore-fence.sh out of the pod's pgbackrest-config volume. */
function withoutFence(spec: {
  volumes: {
    name: string;
    projected: { sources: { configMap?: { items: { key: string }[] } }[] };
  }[];
}): void {
  const volume = spec.volumes.find((v) => v.name === "pgbackrest-config");
  for (const source of volume?.projected.sources ?? [])
    if (source.configMap)
      source.configMap.items = source.configMap.items.filter((i) => i.key !== "restore-fence.sh");
}

describe("references between manifests", () => {
  it("the committed manifests have no dangling reference", () => {
    expect(checkReferences(docs, PROVIDED).map(formatManifestProblem)).toEqual([]);
  });

  const cases: [string, string, string, Mutation, string][] = [
    [
      "a ConfigMap that does not exist",
      postgresPod,
      "StatefulSet",
      (o) =>
        (o.spec.template.spec.volumes.find(
          (v: { name: string }) => v.name === "postgres-config",
        ).configMap.name = "postgres-confg"),
      'ConfigMap "postgres-confg" is not defined',
    ],
    [
      "a claim that does not exist",
      "pgbackrest-repo-host-statefulset.yaml",
      "StatefulSet",
      (o) =>
        (o.spec.template.spec.volumes[0].persistentVolumeClaim.claimName = "pgbackrest-repository"),
      'spec.template.spec.volumes[0]: PersistentVolumeClaim "pgbackrest-repository" is not defined',
    ],
    [
      "a ConfigMap key that does not exist",
      "schedules/pgbackrest-restore-validation-cronjob.yaml",
      "CronJob",
      (o) =>
        (o.spec.jobTemplate.spec.template.spec.volumes[1].configMap.items[0].key = "validate.sh"),
      'ConfigMap "pgbackrest-config" has no key "validate.sh"',
    ],
    [
      "a mount of a volume that does not exist",
      postgresPod,
      "StatefulSet",
      (o) => (o.spec.template.spec.containers[1].volumeMounts[0].name = "data"),
      'StatefulSet/postgres: spec.template.spec.containers[1].volumeMounts[0].name: no volume named "data"',
    ],
    [
      "a ServiceAccount that does not exist",
      "schedules/pgbackrest-full-backup-cronjob.yaml",
      "CronJob",
      (o) => (o.spec.jobTemplate.spec.template.spec.serviceAccountName = "backup"),
      'serviceAccountName: ServiceAccount "backup" is not defined',
    ],
    [
      "a Secret that is neither committed nor provided",
      postgresPod,
      "StatefulSet",
      (o) =>
        (o.spec.template.spec.containers[0].envFrom[0].secretRef.name = "postgres-credentials"),
      'Secret "postgres-credentials" is not defined',
    ],
    [
      "a Service that selects no pod",
      "postgres-service.yaml",
      "Service",
      (o) => (o.spec.selector = { app: "postgresql" }),
      "Service/postgres-service: spec.selector: selects no pod template",
    ],
    [
      "a Service port name no container has",
      "pgbackrest-repo-host-service.yaml",
      "Service",
      (o) => (o.spec.ports[0].targetPort = "tls"),
      'no selected container has a port named "tls"',
    ],
    [
      "a NetworkPolicy peer that matches nothing",
      "postgres-networkpolicy.yaml",
      "NetworkPolicy",
      (o) =>
        (o.spec.ingress[1].from[0].podSelector.matchLabels["app.kubernetes.io/component"] =
          "repohost"),
      "spec.ingress[1].from[0].podSelector: selects no pod template",
    ],
    [
      "a backup exec into a pod no StatefulSet creates",
      "schedules/pgbackrest-diff-backup-cronjob.yaml",
      "CronJob",
      (o) => {
        const command = o.spec.jobTemplate.spec.template.spec.containers[0].command;
        command[command.indexOf("pgbackrest-repo-host-0")] = "pgbackrest-0";
      },
      'execs in pod "pgbackrest-0", which no StatefulSet in the manifests creates',
    ],
    [
      "a backup exec into a container that does not exist",
      "schedules/pgbackrest-full-backup-cronjob.yaml",
      "CronJob",
      (o) => {
        const command = o.spec.jobTemplate.spec.template.spec.containers[0].command;
        command[command.indexOf("--container=pgbackrest")] = "--container=backrest";
      },
      'StatefulSet pgbackrest-repo-host has no container "backrest"',
    ],
    [
      "a TLS file pgBackRest expects but the pod does not mount",
      "pgbackrest-repo-host-statefulset.yaml",
      "StatefulSet",
      (o) => o.spec.template.spec.volumes[1].projected.sources[1].secret.items.pop(),
      "pgbackrest option tls-server-key-file: /etc/pgbackrest/tls/tls.key is not mounted in this container",
    ],
    [
      "pgBackRest's log path on the read-only root filesystem",
      "pgbackrest-repo-host-statefulset.yaml",
      "StatefulSet",
      (o) => unmount(o.spec.template.spec.containers[0], "pgbackrest-log"),
      "pgbackrest option log-path: /var/log/pgbackrest is not on a writable volume",
    ],
    [
      "the repository not mounted where repo1-path points",
      "pgbackrest-repo-host-statefulset.yaml",
      "StatefulSet",
      (o) => (o.spec.template.spec.containers[0].volumeMounts[0].mountPath = "/repo"),
      "pgbackrest option repo1-path: /var/lib/pgbackrest is not on a writable volume",
    ],
    [
      "the socket directory not shared with the sidecar",
      postgresPod,
      "StatefulSet",
      (o) => unmount(o.spec.template.spec.containers[1], "socket"),
      "containers[1]: pgbackrest option pg1-socket-path: /var/run/postgresql must be a shared writable volume",
    ],
    [
      "the validation script not mounted",
      "schedules/pgbackrest-restore-validation-cronjob.yaml",
      "CronJob",
      (o) => unmount(o.spec.jobTemplate.spec.template.spec.containers[0], "validation-script"),
      "command: /usr/local/bin/pgbackrest-restore-validation.sh is not mounted in this container",
    ],
    [
      "the restore's fence not mounted beside PostgreSQL",
      postgresPod,
      "StatefulSet",
      (o) => withoutFence(o.spec.template.spec),
      "command: /etc/pgbackrest/restore-fence.sh is not mounted in this container",
    ],
    [
      "the restore's fence not mounted in a restore Job",
      "restore/pgbackrest-restore-pitr-cronjob.yaml",
      "CronJob",
      (o) => withoutFence(o.spec.jobTemplate.spec.template.spec),
      "command: /etc/pgbackrest/restore-fence.sh is not mounted in this container",
    ],
  ];
  it.each(cases)("reports %s", (_, file, kind, mutate, expected) => {
    const problems = problemsAfter(file, kind, mutate);
    expect(problems).toContain(`manifests/${file}: `);
    expect(problems).toContain(expected);
  });
});

describe("the restore's fence", () => {
  const container = (name: string, kind: string) => {
    const doc = docs.find(
      (d) =>
        d.object.kind === kind &&
        (d.object.metadata as { name?: string } | undefined)?.name === name,
    );
    const spec = doc && podSpecOf(doc.object);
    if (!spec) throw new Error(`${kind}/${name} not found`);
    return { spec, first: spec.containers[0] as V1Container };
  };

  it("the restore Jobs and PostgreSQL run behind the restore's fence", () => {
    for (const name of ["pgbackrest-restore", "pgbackrest-restore-pitr"]) {
      const { first } = container(name, "CronJob");
      expect(first.command).toEqual(["sh", RESTORE_FENCE, "restore"]);
      expect(programArgv(first)[0]).toBe("pgbackrest");
      expect(first.args?.at(-1)).toBe("restore");
    }
    const { spec, first } = container("postgres", "StatefulSet");
    expect(first.name).toBe("postgres");
    // In the container's own command: it runs at every start, restarts included.
    expect(spec.initContainers).toBeUndefined();
    expect(first.command).toEqual(["sh", RESTORE_FENCE, "start", "docker-entrypoint.sh"]);
    expect(programArgv(first)[0]).toBe("postgres");
  });

  it("is put before an adopted PostgreSQL's entrypoint, and mounted there", () => {
    const patch = parse(readFileSync("manifests/adopt/adopt-patch.yaml", "utf8")) as {
      path: string;
      value: unknown;
    }[];
    const command = patch.find((op) => op.path === "/spec/template/spec/containers/0/command");
    expect(command?.value).toEqual(["sh", RESTORE_FENCE, "start", "docker-entrypoint.sh"]);
    expect(JSON.stringify(patch)).toContain('{"key":"restore-fence.sh","path":"restore-fence.sh"}');
  });
});
