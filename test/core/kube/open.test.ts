// Opening a cluster from a kubeconfig given as text: a broken one is refused with where
// the mistake is, and none of its content (it holds credentials).
import { describe, expect, it } from "vitest";
import { openKubeCluster } from "../../../src/core/kube/open.ts";

describe("openKubeCluster", () => {
  it("says where a kubeconfig is broken without quoting it", () => {
    const broken =
      "apiVersion: v1\nclusters:\n  - cluster:\n    server: https://x\n   token: SECRET-TOKEN-abc: [\n";
    const opened = () => openKubeCluster(broken);
    expect(opened).toThrow(
      "the kubeconfig is not valid YAML at line 5 (bad indentation of a sequence entry); check the secret it comes from",
    );
    expect(opened).not.toThrow(/SECRET-TOKEN|server: https/);
  });
});
