// Opening Kubernetes through a kubeconfig: a file, the YAML itself, or the default
// ($KUBECONFIG, ~/.kube/config or the pod's service account). Choosing between it and the
// local cluster runner is composition, done by each face's main.ts.
import * as k8s from "@kubernetes/client-node";
import type { Cluster } from "../cluster.ts";
import { UserError } from "../user-error.ts";
import { KubeCluster } from "./cluster.ts";

/** A cluster a face opened, and how to let it go when the work is done. */
export interface OpenedCluster {
  cluster: Cluster;
  /** Stops the local runner's pods; nothing to do for Kubernetes. */
  close(): Promise<void>;
}

export function openKubeCluster(kubeconfig = ""): OpenedCluster {
  const config = new k8s.KubeConfig();
  if (!kubeconfig) config.loadFromDefault();
  else if (kubeconfig.includes("apiVersion")) loadKubeconfigText(config, kubeconfig);
  else config.loadFromFile(kubeconfig);
  return { cluster: new KubeCluster(config), close: async () => {} };
}

/**
 * A kubeconfig given as text holds credentials: a parse error says where, never what
 * (the YAML parser's message quotes the lines around the mistake).
 */
function loadKubeconfigText(config: k8s.KubeConfig, text: string): void {
  try {
    config.loadFromString(text);
  } catch (error) {
    const line = (error as { mark?: { line?: number } }).mark?.line;
    const reason = (error as { reason?: string }).reason;
    const where = line === undefined ? "" : ` at line ${line + 1}`;
    throw new UserError(
      `the kubeconfig is not valid YAML${where}${reason ? ` (${reason})` : ""}; check the secret it comes from, e.g. with kubectl --kubeconfig <file> config view`,
    );
  }
}
