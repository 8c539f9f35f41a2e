// The product's ValidatingAdmissionPolicies evaluated as the API server would, for the
// parts they use: the match condition, the variables, then every validation, with the
// request, the object before and after, and the binding's parameter object. The
// evaluator is a CEL implementation of its own (standard CEL: has, all, exists, in,
// startsWith), not the API server.
import { parse as celParse } from "@marcbachmann/cel-js";
import type { KubeObject } from "../../src/core/cluster.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

/** The cluster's policies for the bot (manifests/bot-policy), by name. */
export function botPolicies(): Map<string, Any> {
  return policiesIn("manifests/bot-policy/bot-policies.yaml");
}

/** The cluster's policies for the Action (manifests/action-policy), by name. */
export function actionPolicies(): Map<string, Any> {
  return policiesIn("manifests/action-policy/action-policies.yaml");
}

function policiesIn(file: string): Map<string, Any> {
  const docs = loadManifestFile(projectPath(file));
  return new Map(
    docs
      .map((d) => d.object as Any)
      .filter((o) => o.kind === "ValidatingAdmissionPolicy")
      .map((o) => [o.metadata.name, o]),
  );
}

/** The API resource of a kind, as request.resource.resource names it. */
const RESOURCES: Record<string, string> = {
  Job: "jobs",
  CronJob: "cronjobs",
  ConfigMap: "configmaps",
  PersistentVolumeClaim: "persistentvolumeclaims",
  Service: "services",
  NetworkPolicy: "networkpolicies",
  Namespace: "namespaces",
};

export interface AdmissionRequest {
  username: string;
  operation: "CREATE" | "UPDATE" | "DELETE";
  object?: KubeObject | null;
  oldObject?: KubeObject | null;
  /** The binding's parameter object (the installation's PodTemplate), if the policy takes one. */
  params?: KubeObject | null;
}

/** Whether the policy's match constraints take an operation on a resource of an API group. */
export function policyCovers(
  policy: Any,
  group: string,
  resource: string,
  operation: AdmissionRequest["operation"],
): boolean {
  return (policy.spec.matchConstraints?.resourceRules ?? []).some(
    (rule: { apiGroups: string[]; resources: string[]; operations: string[] }) =>
      rule.apiGroups.includes(group) &&
      rule.resources.includes(resource) &&
      rule.operations.includes(operation),
  );
}

/** Whether the policy applies to the request (its match conditions). */
export function policyMatches(policy: Any, username: string): boolean {
  return (policy.spec.matchConditions ?? []).every(
    (c: { expression: string }) =>
      celParse(c.expression)({ request: { userInfo: { username } } }) === true,
  );
}

/** The messages of the validations the request fails (none: admitted). */
export function refusals(policy: Any, request: AdmissionRequest): string[] {
  if (policy.spec.paramKind && !request.params)
    return ["no parameters in the namespace (parameterNotFoundAction: Deny)"];
  const object = request.object ?? null;
  const oldObject = request.oldObject ?? null;
  const kind = (object ?? oldObject)?.kind ?? "";
  const context: Any = {
    request: {
      operation: request.operation,
      userInfo: { username: request.username },
      resource: { resource: RESOURCES[kind] ?? kind.toLowerCase() },
    },
    object,
    oldObject,
    params: request.params ?? null,
    variables: {},
  };
  for (const variable of policy.spec.variables ?? [])
    context.variables[variable.name] = celParse(variable.expression)(context);
  return (policy.spec.validations as { expression: string; message: string }[])
    .filter((v) => celParse(v.expression)(context) !== true)
    .map((v) => v.message);
}
