// The rules every pod template in manifests/ keeps: non-root as the image's postgres user,
// no privilege escalation, capabilities dropped, seccomp RuntimeDefault, a read-only root
// filesystem, requests and limits, pinned images; CronJobs and Jobs that cannot pile up
// or run forever; no secret material in a ConfigMap.
import type { V1Container, V1PodSpec } from "@kubernetes/client-node";
import type { ManifestDoc } from "../core/manifests/load.ts";
import { jobSpecOf, jobSpecPath, podSpecOf, podSpecPath } from "../core/manifests/pod.ts";
import { POSTGRES } from "../core/names/objects.ts";
import { type ManifestProblem, objectName } from "./problem.ts";

type Rule = (found: (path: string, message: string) => void) => void;

function containerRules(
  container: V1Container,
  found: (path: string, message: string) => void,
): void {
  const sc = container.securityContext;
  if (sc?.allowPrivilegeEscalation !== false) {
    found("securityContext.allowPrivilegeEscalation", "must be false");
  }
  if (sc?.readOnlyRootFilesystem !== true) {
    found(
      "securityContext.readOnlyRootFilesystem",
      "must be true; mount an emptyDir where the container writes",
    );
  }
  if (!sc?.capabilities?.drop?.includes("ALL"))
    found("securityContext.capabilities.drop", 'must include "ALL"');
  if (sc?.capabilities?.add?.length) found("securityContext.capabilities.add", "must be empty");
  if (sc?.privileged) found("securityContext.privileged", "must not be true");
  for (const kind of ["requests", "limits"] as const) {
    for (const resource of ["cpu", "memory"]) {
      if (container.resources?.[kind]?.[resource] === undefined) {
        found(`resources.${kind}.${resource}`, "must be set");
      }
    }
  }
  const image = container.image ?? "";
  const tag = /^[^@]+:([^/:@]+)$/.exec(image)?.[1];
  if (!image.includes("@sha256:") && (tag === undefined || tag === "latest")) {
    found("image", `"${image}" must name a pinned version (a tag other than latest, or a digest)`);
  }
}

export interface PolicyOptions {
  /** The uid (and gid) pods run as: the image's own non-root user. */
  uid?: number;
}

function podRules(
  spec: V1PodSpec,
  uid: number,
  found: (path: string, message: string) => void,
): void {
  const sc = spec.securityContext;
  if (sc?.runAsNonRoot !== true) found("securityContext.runAsNonRoot", "must be true");
  const who = uid === POSTGRES.uid ? " (the postgres user)" : " (the image's user)";
  if (sc?.runAsUser !== uid) found("securityContext.runAsUser", `must be ${uid}${who}`);
  if (sc?.runAsGroup !== uid) found("securityContext.runAsGroup", `must be ${uid}`);
  if (sc?.seccompProfile?.type !== "RuntimeDefault")
    found("securityContext.seccompProfile.type", "must be RuntimeDefault");
  if (!spec.serviceAccountName)
    found("serviceAccountName", "must name a ServiceAccount of its own, not default");
  for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (spec[field]) found(field, "must not be true");
  }
  (spec.volumes ?? []).forEach((volume, i) => {
    if (volume.hostPath) found(`volumes[${i}].hostPath`, "host paths are not allowed");
  });
  const groups: [string, V1Container[] | undefined][] = [
    ["initContainers", spec.initContainers],
    ["containers", spec.containers],
  ];
  for (const [field, containers] of groups) {
    (containers ?? []).forEach((container, i) => {
      containerRules(container, (path, message) => found(`${field}[${i}].${path}`, message));
    });
  }
}

function workloadRules(object: Record<string, unknown>): Rule {
  // biome-ignore lint/suspicious/noExplicitAny: walking untyped YAML
  const spec = object.spec as any;
  return (found) => {
    if (object.kind === "CronJob") {
      if (spec?.concurrencyPolicy !== "Forbid")
        found(
          "spec.concurrencyPolicy",
          "must be Forbid: two pgBackRest runs of one stanza collide",
        );
      for (const field of [
        "successfulJobsHistoryLimit",
        "failedJobsHistoryLimit",
        "startingDeadlineSeconds",
      ]) {
        if (spec?.[field] === undefined) found(`spec.${field}`, "must be set");
      }
    }
    const job = jobSpecOf(object) as Record<string, unknown> | undefined;
    const jobPath = jobSpecPath(object.kind);
    if (job) {
      for (const field of ["activeDeadlineSeconds", "backoffLimit"]) {
        if (job[field] === undefined)
          found(`${jobPath}.${field}`, "must be set so a stuck run ends");
      }
    }
  };
}

// Secret material has no place in a ConfigMap: it is readable by anyone who can read
// the namespace's configuration and ends up in logs and diffs.
const SECRET_PATTERNS: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
  [/^\s*[\w-]*(cipher-pass|s3-key|s3-key-secret|password)\s*=\s*\S/im, "a credential"],
];

/** Keys that are credentials by name: a ConfigMap read as environment variables (envFrom). */
const SECRET_KEY = /(CIPHER_PASS|S3_KEY|PASSWORD|SECRET|TOKEN)/i;

function configMapRules(object: Record<string, unknown>): Rule {
  const data = (object.data ?? {}) as Record<string, string>;
  return (found) => {
    for (const [key, value] of Object.entries(data)) {
      if (SECRET_KEY.test(key))
        found(`data.${key}`, "is a credential; keep it in a Secret and pass it with secretKeyRef");
      for (const [pattern, what] of SECRET_PATTERNS) {
        if (pattern.test(value))
          found(
            `data.${key}`,
            `contains ${what}; keep it in a Secret and mount it or pass it as an environment variable`,
          );
      }
    }
  };
}

export function checkPolicy(doc: ManifestDoc, options: PolicyOptions = {}): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const object = doc.object;
  const found = (path: string, message: string) =>
    problems.push({ file: doc.file, object: objectName(object), path, message });
  const spec = podSpecOf(object);
  if (spec) {
    const base = podSpecPath(object.kind);
    podRules(spec, options.uid ?? POSTGRES.uid, (path, message) =>
      found(`${base}.${path}`, message),
    );
    workloadRules(object)(found);
  }
  if (object.kind === "ConfigMap") configMapRules(object)(found);
  return problems;
}
