// What the Kubernetes API says and how to read it: the API version of each kind, label
// selectors as query strings, which errors mean "not found", "conflict" or "try again",
// and a client configuration that puts a deadline on every request.
import * as k8s from "@kubernetes/client-node";
import type { KubeObject } from "../cluster.ts";

const API_VERSIONS: Record<string, string> = {
  Namespace: "v1",
  ConfigMap: "v1",
  Secret: "v1",
  Service: "v1",
  ServiceAccount: "v1",
  PersistentVolumeClaim: "v1",
  Pod: "v1",
  StatefulSet: "apps/v1",
  Deployment: "apps/v1",
  Job: "batch/v1",
  CronJob: "batch/v1",
  Role: "rbac.authorization.k8s.io/v1",
  RoleBinding: "rbac.authorization.k8s.io/v1",
  NetworkPolicy: "networking.k8s.io/v1",
  Lease: "coordination.k8s.io/v1",
};

export function apiVersionOf(kind: string): string {
  const apiVersion = API_VERSIONS[kind];
  if (!apiVersion)
    throw new Error(
      `kind ${kind} is not one mcpgov-backup works with (${Object.keys(API_VERSIONS).join(", ")})`,
    );
  return apiVersion;
}

export function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

export function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

export function isConflict(error: unknown): boolean {
  return (error as { code?: number }).code === 409;
}

/** Whether `found` carries the labels and annotations `sent` had: the object we created. */
export function sameMetadata(sent: KubeObject, found: KubeObject): boolean {
  const within = (a: Record<string, string> = {}, b: Record<string, string> = {}) =>
    Object.entries(a).every(([k, v]) => b[k] === v);
  return (
    within(sent.metadata.labels, found.metadata.labels) &&
    within(sent.metadata.annotations, found.metadata.annotations)
  );
}

export function sameData(sent: KubeObject, found: KubeObject): boolean {
  return JSON.stringify(sent.data ?? null) === JSON.stringify(found.data ?? null);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const NETWORK_ERRORS = ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"];

/**
 * What an API failure says, in one line: the message of the Status the API server sent
 * and the HTTP code ("configmaps "x" is forbidden: ... (HTTP 403)"), or the first line of
 * the error (a refused connection). client-node's own message spans the body and headers.
 */
export function apiFailure(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "number")
    return String((error as Error).message ?? error).split("\n")[0] ?? "";
  const said = statusMessage((error as { body?: unknown }).body);
  return said ? `${said} (HTTP ${code})` : `HTTP ${code}`;
}

function statusMessage(body: unknown): string | undefined {
  let status = body;
  if (typeof body === "string") {
    try {
      status = JSON.parse(body);
    } catch {
      return body.trim().split("\n")[0] || undefined;
    }
  }
  const message = (status as { message?: unknown } | undefined)?.message;
  return typeof message === "string" && message ? message : undefined;
}

/** A request given up on by its deadline (node-fetch's AbortError). */
export function isTimedOut(error: unknown): boolean {
  return (error as { name?: unknown }).name === "AbortError";
}

/** The API server overloaded, restarting or out of reach for a moment: worth another try. */
export function isTransient(error: unknown): boolean {
  if (isTimedOut(error)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "number") return code === 429 || code >= 500;
  const cause = (error as { cause?: { code?: unknown } }).cause?.code;
  return NETWORK_ERRORS.includes(String(code)) || NETWORK_ERRORS.includes(String(cause));
}

/**
 * What client-node's makeApiClient builds, plus a deadline on every request: client-node
 * sets none, and an API server that accepts a connection and never answers would
 * otherwise hold an operation forever.
 */
export function configurationWithDeadline(config: k8s.KubeConfig, timeoutMs: number) {
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new Error("the kubeconfig has no current cluster; set its current-context");
  return k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(server, {}),
    authMethods: {
      default: {
        getName: () => "kubeconfig",
        applySecurityAuthentication: async (request) => {
          await config.applySecurityAuthentication(request);
          request.setSignal(AbortSignal.timeout(timeoutMs));
        },
      },
    },
  });
}

/** KubernetesObjectApi as makeApiClient makes it (the context's namespace as default), on our configuration. */
export class ObjectApi extends k8s.KubernetesObjectApi {
  constructor(configuration: k8s.Configuration, config: k8s.KubeConfig) {
    super(configuration);
    this.setDefaultNamespace(config);
  }
}
