// Reading pod templates out of workload manifests: the one place that knows where each
// kind keeps its pod spec.
import type { V1Container, V1PodSpec } from "@kubernetes/client-node";

type KubeObject = Record<string, unknown>;

/** The pod spec of a Pod, Job, CronJob, Deployment or StatefulSet; undefined for other kinds. */
export function podSpecOf(object: KubeObject): V1PodSpec | undefined {
  // biome-ignore lint/suspicious/noExplicitAny: walking untyped YAML
  const spec = object.spec as any;
  switch (object.kind) {
    case "Pod":
      return spec as V1PodSpec;
    case "Job":
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
      return spec?.template?.spec;
    case "CronJob":
      return spec?.jobTemplate?.spec?.template?.spec;
    default:
      return undefined;
  }
}

/** JSON path of the pod spec inside the object, for messages. */
export function podSpecPath(kind: unknown): string {
  if (kind === "Pod") return "spec";
  if (kind === "CronJob") return "spec.jobTemplate.spec.template.spec";
  return "spec.template.spec";
}

export function containersOf(spec: V1PodSpec): V1Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** command + args of a container, as the runtime would start it. */
export function containerArgv(container: V1Container): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])];
}

export interface ExecCommand {
  pod: string;
  container: string | undefined;
  command: string[];
}

/**
 * The remote command of a `kubectl exec POD [--container=C] -- CMD...` argv: the backup
 * Jobs run pgBackRest on the repository host this way.
 */
export function parseKubectlExec(argv: string[]): ExecCommand {
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
