// A container's environment as the kubelet builds it: the image's variables, then envFrom,
// then env (with $(VAR) references to earlier variables), and $(VAR) in command and args.
import type { V1Container, V1PodSpec } from "@kubernetes/client-node";
import type { KubeObject } from "../../core/cluster.ts";
import { postgresBinDir } from "../host.ts";

export interface EnvSources {
  configMap(name: string): KubeObject | undefined;
  secret(name: string): KubeObject | undefined;
  /** fieldRef values: metadata.name, metadata.namespace, status.podIP, spec.serviceAccountName. */
  field(path: string): string | undefined;
}

function dataOf(object: KubeObject | undefined): Record<string, string> {
  if (!object) return {};
  const data = (object.data ?? {}) as Record<string, string>;
  if (object.kind !== "Secret") return data;
  const decoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
  );
  return { ...decoded, ...((object.stringData ?? {}) as Record<string, string>) };
}

/** $(VAR) → value of VAR when defined; $$(VAR) → literal $(VAR). */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name?: string) =>
    match === "$$" ? "$" : name !== undefined && env[name] !== undefined ? env[name] : match,
  );
}

export function containerEnv(
  container: V1Container,
  base: Record<string, string>,
  sources: EnvSources,
): Record<string, string> {
  const env = { ...base };
  for (const from of container.envFrom ?? []) {
    const name = from.configMapRef?.name ?? from.secretRef?.name ?? "";
    const object = from.configMapRef ? sources.configMap(name) : sources.secret(name);
    const optional = from.configMapRef?.optional ?? from.secretRef?.optional;
    if (!object && !optional)
      throw new Error(`envFrom: ${from.configMapRef ? "ConfigMap" : "Secret"} "${name}" not found`);
    for (const [key, value] of Object.entries(dataOf(object)))
      env[`${from.prefix ?? ""}${key}`] = value;
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom;
    if (ref?.configMapKeyRef || ref?.secretKeyRef) {
      const key = ref.configMapKeyRef ?? ref.secretKeyRef;
      const object = ref.configMapKeyRef
        ? sources.configMap(key?.name ?? "")
        : sources.secret(key?.name ?? "");
      const value = dataOf(object)[key?.key ?? ""];
      if (value === undefined && !key?.optional) {
        throw new Error(
          `env ${variable.name}: key "${key?.key}" of ${ref.configMapKeyRef ? "ConfigMap" : "Secret"} "${key?.name}" not found`,
        );
      }
      if (value !== undefined) env[variable.name] = value;
    } else if (ref?.fieldRef) {
      const value = sources.field(ref.fieldRef.fieldPath);
      if (value === undefined)
        throw new Error(
          `env ${variable.name}: fieldRef ${ref.fieldRef.fieldPath} is not supported by the local runner`,
        );
      env[variable.name] = value;
    } else {
      env[variable.name] = expand(variable.value ?? "", env);
    }
  }
  return env;
}

/** Where a pod is, for its containers' fieldRef values. */
export interface PodIdentity {
  name: string;
  namespace: string;
  address: string;
  serviceAccount: string;
}

/** Each container's environment, on the variables an image of the product sets. */
export function podEnvironments(
  spec: V1PodSpec,
  pod: PodIdentity,
  lookup: Pick<EnvSources, "configMap" | "secret">,
): Map<string, Record<string, string>> {
  const fields: Record<string, string> = {
    "metadata.name": pod.name,
    "metadata.namespace": pod.namespace,
    "status.podIP": pod.address,
    "spec.serviceAccountName": pod.serviceAccount,
  };
  const base = {
    PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${postgresBinDir()}`,
    HOSTNAME: pod.name,
    HOME: "/var/lib/postgresql",
    LANG: "C.UTF-8",
  };
  return new Map(
    spec.containers.map((c) => [
      c.name,
      containerEnv(c, base, { ...lookup, field: (p) => fields[p] }),
    ]),
  );
}
