// Shapes the Kubernetes API sends and receives, and the API itself as nock, shared by the
// KubeCluster contract tests.
import * as k8s from "@kubernetes/client-node";
import nock from "nock";
import { afterEach, beforeAll, expect } from "vitest";
import { DELIVERY_ID_ANNOTATION } from "../../src/core/names/labels.ts";

/** Where the mocked API server answers; nothing is ever sent there for real. */
export const SERVER = "https://127.0.0.1:6443";

/** A kubeconfig for the mocked API server, with a token and `namespace` as its default. */
export function kubeConfig(namespace: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "test", server: SERVER, skipTLSVerify: true }],
    users: [{ name: "test", token: "test-token" }],
    contexts: [{ name: "test", cluster: "test", user: "test", namespace }],
    currentContext: "test",
  });
  return kc;
}

/** The mocked API server, answering only requests that carry kubeConfig's token. */
export const kubeApi = () => nock(SERVER, { reqheaders: { authorization: "Bearer test-token" } });

/**
 * For a test file: no request leaves the machine, and a test fails when an answer it set
 * up was never asked for (the call it meant to check was not made).
 */
export function everyAnswerUsed(): void {
  beforeAll(() => {
    nock.disableNetConnect();
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
}

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
