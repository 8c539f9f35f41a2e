// The Action's inputs (action.yml), read and checked before anything touches a cluster.
import * as core from "@actions/core";

export const OPERATIONS = ["deploy", "verify", "backup", "validate", "status"] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface Inputs {
  operations: Operation[];
  cluster: "kubernetes" | "local";
  namespace: string;
  stanza: string;
  kubeconfig: string;
  manifests: string;
  backupType: "full" | "diff" | "incr";
  timeoutMs: number;
  /** Replaces the image of every container the manifests run (a registry of your own). */
  image: string;
}

/** A mistake in the workflow's `with:` block, told to the person who wrote it. */
export class InputError extends Error {}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError(`input ${name}: "${value}" is not one of ${allowed.join(", ")}`);
  }
  return value as T;
}

export function readInputs(get: (name: string) => string = (name) => core.getInput(name)): Inputs {
  const operations = get("operations")
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((op) => oneOf("operations", op, OPERATIONS));
  if (operations.length === 0)
    throw new InputError(`input operations: give one or more of ${OPERATIONS.join(", ")}`);
  const minutes = Number(get("timeout-minutes") || "30");
  if (!Number.isFinite(minutes) || minutes <= 0)
    throw new InputError("input timeout-minutes: must be a positive number");
  const namespace = get("namespace") || "ai-governance";
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace))
    throw new InputError(`input namespace: "${namespace}" is not a valid namespace name`);
  return {
    operations,
    cluster: oneOf("cluster", get("cluster") || "kubernetes", ["kubernetes", "local"] as const),
    namespace,
    stanza: get("stanza") || "mcpgov",
    kubeconfig: get("kubeconfig"),
    manifests: get("manifests"),
    backupType: oneOf("backup-type", get("backup-type") || "full", [
      "full",
      "diff",
      "incr",
    ] as const),
    timeoutMs: minutes * 60_000,
    image: get("image"),
  };
}
