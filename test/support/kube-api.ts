import { DELIVERY_ID_ANNOTATION } from "../../src/core/names/labels.ts";
// Shapes the Kubernetes API sends and receives, shared by the KubeCluster contract tests.

/** A failure Status body, as the API server sends with an error code. */
export function apiStatus(code: number, reason: string) {
  return { kind: "Status", apiVersion: "v1", status: "Failure", message: reason, reason, code };
}

/** A Job the bot creates, carrying its delivery id: what a retried create must recognise. */
export function botJob(namespace: string) {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: "pgbackrest-bot-x1-full",
      namespace,
      annotations: { [DELIVERY_ID_ANNOTATION]: "d-1" },
    },
    spec: {},
  };
}
