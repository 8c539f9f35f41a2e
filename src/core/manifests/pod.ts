// Reading pod templates out of workload manifests: the one place that knows where each
// kind keeps its pod spec.
import type {
  V1Container,
  V1JobSpec,
  V1JobTemplateSpec,
  V1PodSpec,
  V1PodTemplateSpec,
} from "@kubernetes/client-node";

import { BACKUP_LOCK_WAIT } from "../names/objects.ts";

type KubeObject = { kind?: unknown; spec?: unknown };

// biome-ignore lint/suspicious/noExplicitAny: walking untyped YAML
type Untyped = any;

/** The job template of a CronJob; undefined for other kinds. */
export function jobTemplateOf(object: KubeObject): V1JobTemplateSpec | undefined {
  return object.kind === "CronJob" ? (object.spec as Untyped)?.jobTemplate : undefined;
}

/** The Job spec of a Job or a CronJob (its job template's); undefined for other kinds. */
export function jobSpecOf(object: KubeObject): V1JobSpec | undefined {
  if (object.kind === "Job") return object.spec as V1JobSpec | undefined;
  return jobTemplateOf(object)?.spec;
}

/** JSON path of the Job spec inside a Job or CronJob, for messages. */
export function jobSpecPath(kind: unknown): string {
  return kind === "CronJob" ? "spec.jobTemplate.spec" : "spec";
}

/** The pod template of a Job, CronJob, Deployment, StatefulSet, DaemonSet or ReplicaSet. */
export function podTemplateOf(object: KubeObject): V1PodTemplateSpec | undefined {
  switch (object.kind) {
    case "Job":
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
      return (object.spec as Untyped)?.template;
    case "CronJob":
      return jobTemplateOf(object)?.spec?.template;
    default:
      return undefined;
  }
}

/** The pod spec of a Pod, or of a workload's pod template; undefined for other kinds. */
export function podSpecOf(object: KubeObject): V1PodSpec | undefined {
  if (object.kind === "Pod") return object.spec as V1PodSpec | undefined;
  return podTemplateOf(object)?.spec;
}

/** The labels of the pods an object makes: a Pod's own, its pod template's otherwise. */
export function podLabelsOf(
  object: KubeObject & { metadata?: { labels?: Record<string, string> } },
): Record<string, string> | undefined {
  if (object.kind === "Pod") return object.metadata?.labels;
  return podTemplateOf(object)?.metadata?.labels;
}

/** JSON path of the pod spec inside the object, for messages. */
export function podSpecPath(kind: unknown): string {
  if (kind === "Pod") return "spec";
  return `${kind === "CronJob" ? jobSpecPath(kind) : "spec"}.template.spec`;
}

export function containersOf(spec: V1PodSpec): V1Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** command + args of a container, as the runtime would start it. */
export function containerArgv(container: V1Container): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])];
}

/** The restore's fence (scripts/restore-fence.sh, in pgbackrest-config), run by sh. */
export const RESTORE_FENCE = "/etc/pgbackrest/restore-fence.sh";

/** What the pgbackrest-info Jobs run (scripts/pgbackrest-info.sh, in pgbackrest-config). */
export const INFO_SCRIPT = "/etc/pgbackrest/pgbackrest-info.sh";

/**
 * The program a container runs in the end: its argv without the restore's fence before it
 * (`restore` runs pgbackrest, `start` execs its command) and the image's entrypoint,
 * which execs its arguments; the info script runs pgbackrest info.
 */
export function programArgv(container: V1Container): string[] {
  const argv = containerArgv(container);
  if (argv[0] === "sh" && argv[1] === INFO_SCRIPT) return ["pgbackrest", "--output=json", "info"];
  if (argv[0] !== "sh" || argv[1] !== RESTORE_FENCE) return argv;
  const [, , mode, ...rest] = argv;
  if (mode === "restore") return ["pgbackrest", ...rest];
  return rest[0] === "docker-entrypoint.sh" ? rest.slice(1) : rest;
}

export interface ExecCommand {
  pod: string;
  container: string | undefined;
  command: string[];
  /**
   * The shell the exec runs under when it waits for the stanza's backup lock
   * (`sh -c SCRIPT wait-for-backup-lock SECONDS kubectl exec ...`), as the backup CronJobs
   * run it; undefined for a bare exec.
   */
  lockWait?: { script: string; seconds: string };
}

/** Whether the argv is a `kubectl exec`, bare or under the backup lock's wait. */
export function isKubectlExec(argv: string[]): boolean {
  const exec = argv[3] === BACKUP_LOCK_WAIT ? argv.slice(5) : argv;
  return exec[0] === "kubectl" && exec[1] === "exec";
}

/**
 * The remote command of a `kubectl exec POD [--container=C] -- CMD...` argv: the backup
 * Jobs run pgBackRest on the repository host this way, under the shell that waits for the
 * stanza's backup lock (objects.ts, BACKUP_LOCK_WAIT).
 */
export function parseKubectlExec(argv: string[]): ExecCommand {
  if (argv[0] === "sh" && argv[1] === "-c" && argv[3] === BACKUP_LOCK_WAIT) {
    const exec = parseKubectlExec(argv.slice(5));
    return { ...exec, lockWait: { script: argv[2] ?? "", seconds: argv[4] ?? "" } };
  }
  const dashes = argv.indexOf("--");
  if (argv[0] !== "kubectl" || argv[1] !== "exec" || dashes < 0) {
    throw new Error(`not a kubectl exec command with --: ${argv.join(" ")}`);
  }
  const flags = argv.slice(2, dashes);
  const positional = flags.filter((a) => !a.startsWith("-"));
  const container = flags.find((a) => a.startsWith("--container="))?.slice("--container=".length);
  if (positional.length !== 1 || positional[0] === undefined) {
    throw new Error(`kubectl exec needs exactly one pod name: ${argv.join(" ")}`);
  }
  return { pod: positional[0], container, command: argv.slice(dashes + 1) };
}
