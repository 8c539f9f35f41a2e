// Opening a cluster, for both faces: Kubernetes through a kubeconfig (a file, the YAML
// itself, or the default: $KUBECONFIG, ~/.kube/config or the pod's service account), or
// the local cluster runner, which is loaded only when asked for.
import * as k8s from "@kubernetes/client-node";
import type { Cluster } from "./cluster.ts";
import { KubeCluster } from "./kube/cluster.ts";
import { UserError } from "./user-error.ts";

export type ClusterKind = "kubernetes" | "local";

export interface OpenedCluster {
  cluster: Cluster;
  /** Stops the local runner's pods; nothing to do for Kubernetes. */
  close(): Promise<void>;
}

export async function openCluster(
  kind: ClusterKind,
  options: { kubeconfig?: string; log: (line: string) => void },
): Promise<OpenedCluster> {
  if (kind === "local") {
    const { LocalCluster } = await import("../local/runner/local-cluster.ts");
    const cluster = await LocalCluster.start({ log: (line) => options.log(`runner: ${line}`) });
    return { cluster, close: () => cluster.shutdown() };
  }
  const config = new k8s.KubeConfig();
  const kubeconfig = options.kubeconfig ?? "";
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
