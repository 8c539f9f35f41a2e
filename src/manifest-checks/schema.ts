// Offline validation against the Kubernetes 1.34 API, in two passes:
//  1. types, required fields and enums, with kubernetes-models' JSON-schema validators;
//  2. unknown fields, which those validators accept (a typo such as `volumeMount:` would
//     pass), with the field lists of @kubernetes/client-node's generated models.
// Both packages are generated from the Kubernetes 1.34 OpenAPI document.
import * as k8s from "@kubernetes/client-node";
import * as admission from "kubernetes-models/admissionregistration.k8s.io/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as batch from "kubernetes-models/batch/v1";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as rbac from "kubernetes-models/rbac.authorization.k8s.io/v1";
import * as v1 from "kubernetes-models/v1";
import type { ManifestDoc } from "../core/manifests/load.ts";
import { type ManifestProblem, objectName } from "./problem.ts";

export const KUBERNETES_VERSION = "1.34";

/** A kubernetes-models class; each takes its own object type, so the table sees `never`. */
interface Model {
  new (data: never): { validate(): void };
  readonly apiVersion: string;
  readonly kind: string;
}

/** The kinds the manifests may hold; each is client-node's `V1<Kind>` too. */
const MODELS: Model[] = [
  ...[v1.ConfigMap, v1.Namespace, v1.PersistentVolumeClaim, v1.Pod, v1.PodTemplate, v1.Secret],
  v1.Service,
  v1.ServiceAccount,
  ...[apps.Deployment, apps.StatefulSet, batch.CronJob, batch.Job],
  ...[networking.NetworkPolicy, policy.PodDisruptionBudget],
  ...[rbac.Role, rbac.RoleBinding, rbac.ClusterRole, rbac.ClusterRoleBinding],
  ...[admission.ValidatingAdmissionPolicy, admission.ValidatingAdmissionPolicyBinding],
];

/** apiVersion/kind → [JSON-schema model, client-node class name]. */
const KINDS: Record<string, [Model, string]> = Object.fromEntries(
  MODELS.map((model) => [`${model.apiVersion}/${model.kind}`, [model, `V1${model.kind}`]]),
);

interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** /spec/containers/0/image → spec.containers[0].image */
function toPath(instancePath: string): string {
  return instancePath
    .split("/")
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join("")
    .replace(/^\./, "");
}

function describeError(error: SchemaError, data: unknown): { path: string; message: string } {
  const path = toPath(error.instancePath);
  const { params } = error;
  switch (error.keyword) {
    case "required":
      return { path, message: `required field "${String(params.missingProperty)}" is missing` };
    case "enum":
      return {
        path,
        message: `must be one of ${(params.allowedValues as unknown[]).join(", ")} (got ${JSON.stringify(data)})`,
      };
    case "type":
      return {
        path,
        message: `must be ${String(params.type)} (got ${typeof data === "object" ? (Array.isArray(data) ? "array" : "object") : typeof data})`,
      };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

function valueAt(object: unknown, instancePath: string): unknown {
  return instancePath
    .split("/")
    .slice(1)
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], object);
}

function typeProblems(
  object: Record<string, unknown>,
  model: Model,
): { path: string; message: string }[] {
  try {
    new model(object as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: SchemaError[] }).errors;
    if (!errors) throw error;
    return errors.map((e) => describeError(e, valueAt(object, e.instancePath)));
  }
}

interface Attribute {
  baseName: string;
  type: string;
}

function attributesOf(className: string): Attribute[] | undefined {
  const model = (k8s as unknown as Record<string, { getAttributeTypeMap?: () => Attribute[] }>)[
    className
  ];
  return model?.getAttributeTypeMap?.();
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      row[j] = Math.min(
        above + 1,
        (row[j - 1] ?? 0) + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

function suggestion(field: string, known: string[]): string {
  const close = known
    .map((name) => ({ name, distance: editDistance(field.toLowerCase(), name.toLowerCase()) }))
    .filter((c) => c.distance <= 2)
    .sort((a, b) => a.distance - b.distance)[0];
  return close ? ` (did you mean "${close.name}"?)` : "";
}

/** Reports every key that the client-node model of `type` does not define, recursively. */
function unknownFields(
  value: unknown,
  type: string,
  path: string,
  found: (path: string, message: string) => void,
): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array?.[1]) {
    const itemType = array[1];
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries())
        unknownFields(item, itemType, `${path}[${i}]`, found);
    }
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map?.[1]) {
    if (typeof value === "object") {
      for (const [key, item] of Object.entries(value))
        unknownFields(item, map[1], `${path}.${key}`, found);
    }
    return;
  }
  const attributes = attributesOf(type);
  if (!attributes || typeof value !== "object" || Array.isArray(value)) return;
  const known = attributes.map((a) => a.baseName);
  for (const [key, item] of Object.entries(value)) {
    const field = path ? `${path}.${key}` : key;
    const attribute = attributes.find((a) => a.baseName === key);
    if (attribute) unknownFields(item, attribute.type, field, found);
    else found(field, `unknown field "${key}"${suggestion(key, known)}`);
  }
}

export function validateSchema(doc: ManifestDoc): ManifestProblem[] {
  const { object } = doc;
  const problems: ManifestProblem[] = [];
  const found = (path: string, message: string) =>
    problems.push({
      file: doc.file,
      object: objectName(object),
      path: path || "(document)",
      message,
    });
  const entry = KINDS[`${String(object.apiVersion)}/${String(object.kind)}`];
  if (!entry) {
    found(
      "kind",
      `kind ${String(object.kind)} in apiVersion ${String(object.apiVersion)} is not one this validator knows for Kubernetes ${KUBERNETES_VERSION} (known: ${Object.keys(KINDS).join(", ")})`,
    );
    return problems;
  }
  const [model, className] = entry;
  for (const p of typeProblems(object, model)) found(p.path, p.message);
  unknownFields(object, className, "", found);
  return problems;
}
