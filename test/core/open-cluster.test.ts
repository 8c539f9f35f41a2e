// Opening a cluster from a kubeconfig given as text: a broken one is refused with where
// the mistake is, and none of its content (it holds credentials).
import { describe, expect, it } from "vitest";
import { openCluster } from "../../src/core/open-cluster.ts";

describe("openCluster", () => {
  it("says where a kubeconfig is broken without quoting it", async () => {
    const broken =
      "apiVersion: v1\nclusters:\n  - cluster:\n    server: https://x\n   token: SECRET-TOKEN-abc: [\n";
    const opened = openCluster("kubernetes", { kubeconfig: broken, log: () => {} });
    await expect(opened).rejects.toThrow(
      "the kubeconfig is not valid YAML at line 5 (bad indentation of a sequence entry); check the secret it comes from",
    );
    await expect(opened).rejects.not.toThrow(/SECRET-TOKEN|server: https/);
  });
});
