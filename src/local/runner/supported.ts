// What the local runner supports of a pod spec. It is not a Kubernetes: a field it does
// not implement is refused by name, never silently ignored.
import type { V1PodSpec } from "@kubernetes/client-node";
import { POSTGRES } from "../../core/names/objects.ts";

/** The image's postgres user (POSTGRES.uid) runs as the local postgres user. */
const IMAGE_POSTGRES_UID = POSTGRES.uid;

const ALLOWED: Record<string, string[]> = {
  pod: [
    "containers",
    "volumes",
    "securityContext",
    "serviceAccountName",
    "automountServiceAccountToken",
    "restartPolicy",
    "terminationGracePeriodSeconds",
  ],
  podSecurityContext: [
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "fsGroup",
    "fsGroupChangePolicy",
    "seccompProfile",
  ],
  container: [
    "name",
    "image",
    "imagePullPolicy",
    "command",
    "args",
    "env",
    "envFrom",
    "workingDir",
    "ports",
    "readinessProbe",
    "livenessProbe",
    "resources",
    "securityContext",
    "volumeMounts",
  ],
  containerSecurityContext: [
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "capabilities",
    "runAsNonRoot",
    "runAsUser",
    "runAsGroup",
    "seccompProfile",
  ],
  probe: [
    "exec",
    "tcpSocket",
    "initialDelaySeconds",
    "periodSeconds",
    "failureThreshold",
    "successThreshold",
    "timeoutSeconds",
  ],
  volume: ["name", "configMap", "secret", "projected", "persistentVolumeClaim", "emptyDir"],
  // sizeLimit is kept, not enforced (the runner says so); medium: Memory is not implemented.
  emptyDir: ["sizeLimit"],
  volumeMount: ["name", "mountPath", "subPath", "readOnly"],
  env: ["name", "value", "valueFrom"],
  envValueFrom: ["secretKeyRef", "configMapKeyRef", "fieldRef"],
};

function unknownKeys(value: object | undefined, allowed: string[], path: string): string[] {
  return Object.keys(value ?? {})
    .filter((key) => !allowed.includes(key))
    .map((key) => `${path}.${key}`);
}

/** Every field of the pod spec the runner would have to ignore; empty when it can run the pod. */
export function unsupportedFields(spec: V1PodSpec, path = "spec"): string[] {
  const found = [
    ...unknownKeys(spec, ALLOWED.pod ?? [], path),
    ...unknownKeys(
      spec.securityContext,
      ALLOWED.podSecurityContext ?? [],
      `${path}.securityContext`,
    ),
  ];
  for (const [i, volume] of (spec.volumes ?? []).entries()) {
    found.push(...unknownKeys(volume, ALLOWED.volume ?? [], `${path}.volumes[${i}]`));
    found.push(
      ...unknownKeys(volume.emptyDir, ALLOWED.emptyDir ?? [], `${path}.volumes[${i}].emptyDir`),
    );
  }
  for (const [i, c] of spec.containers.entries()) {
    const at = `${path}.containers[${i}]`;
    found.push(...unknownKeys(c, ALLOWED.container ?? [], at));
    found.push(
      ...unknownKeys(
        c.securityContext,
        ALLOWED.containerSecurityContext ?? [],
        `${at}.securityContext`,
      ),
    );
    for (const probe of ["readinessProbe", "livenessProbe"] as const) {
      found.push(...unknownKeys(c[probe], ALLOWED.probe ?? [], `${at}.${probe}`));
    }
    for (const [j, m] of (c.volumeMounts ?? []).entries()) {
      found.push(...unknownKeys(m, ALLOWED.volumeMount ?? [], `${at}.volumeMounts[${j}]`));
    }
    for (const [j, e] of (c.env ?? []).entries()) {
      found.push(...unknownKeys(e, ALLOWED.env ?? [], `${at}.env[${j}]`));
      found.push(
        ...unknownKeys(e.valueFrom, ALLOWED.envValueFrom ?? [], `${at}.env[${j}].valueFrom`),
      );
    }
    if (c.securityContext?.capabilities?.add?.length)
      found.push(`${at}.securityContext.capabilities.add`);
  }
  const uids = [
    spec.securityContext?.runAsUser,
    ...spec.containers.map((c) => c.securityContext?.runAsUser),
  ];
  if (!uids.some((uid) => uid !== undefined))
    found.push(`${path}.securityContext.runAsUser (must be ${IMAGE_POSTGRES_UID})`);
  for (const uid of uids) {
    if (uid !== undefined && uid !== IMAGE_POSTGRES_UID)
      found.push(`${path}.securityContext.runAsUser=${uid} (only ${IMAGE_POSTGRES_UID})`);
  }
  return found;
}
