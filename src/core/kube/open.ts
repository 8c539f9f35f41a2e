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

/** A kubeconfig read, without any call to the cluster: a face can look at its user first. */
export function loadKubeConfig(kubeconfig = ""): k8s.KubeConfig {
  const config = new k8s.KubeConfig();
  if (!kubeconfig)
    withoutQuoting("($KUBECONFIG or ~/.kube/config)", () => config.loadFromDefault());
  else if (kubeconfig.includes("apiVersion"))
    withoutQuoting("", () => config.loadFromString(kubeconfig));
  else withoutQuoting(kubeconfig, () => config.loadFromFile(kubeconfig));
  return config;
}

export function openKubeCluster(kubeconfig: string | k8s.KubeConfig = ""): OpenedCluster {
  const config = typeof kubeconfig === "string" ? loadKubeConfig(kubeconfig) : kubeconfig;
  return { cluster: new KubeCluster(config), close: async () => {} };
}

/**
 * A kubeconfig holds credentials, whether given as text or as a file: a parse error says
 * where, never what (the YAML parser's message quotes the lines around the mistake).
 */
function withoutQuoting(
  /** The file it was read from; "" for text, where any error may quote it. */
  file: string,
  load: () => void,
): void {
  try {
    load();
  } catch (error) {
    const { mark, reason } = error as { mark?: { line?: number }; reason?: string };
    // A missing file says only its path: that is safe to show as it is.
    if (file && mark === undefined) throw error;
    const where = mark?.line === undefined ? "" : ` at line ${mark.line + 1}`;
    throw new UserError(
      `the kubeconfig${file ? ` ${file}` : ""} is not valid YAML${where}${reason ? ` (${reason})` : ""}; check the secret it comes from, e.g. with kubectl --kubeconfig <file> config view`,
    );
  }
}
