// The local cluster runner as a face's main.ts opens it (the Action's `cluster: local`, the
// bot's --local). main.ts loads this module with a dynamic import, so the Action's bundle
// keeps the runner in chunks of its own that a workflow on Kubernetes never reads.
import type { OpenedCluster } from "../../core/kube/open.ts";
import { LocalCluster } from "./local-cluster.ts";

export async function openLocalCluster(log: (line: string) => void): Promise<OpenedCluster> {
  const cluster = await LocalCluster.start({ log: (line) => log(`runner: ${line}`) });
  return { cluster, close: () => cluster.shutdown() };
}
