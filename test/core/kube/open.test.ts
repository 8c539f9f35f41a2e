// Opening a cluster from a kubeconfig given as text: a broken one is refused with where
// the mistake is, and none of its content (it holds credentials).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
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

  it("says where a kubeconfig file is broken without quoting it", () => {
    const dir = mkdtempSync(join(tmpdir(), "mcpgov-backup-kubeconfig-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "config");
    writeFileSync(
      file,
      "apiVersion: v1\nusers:\n  - user:\n    client-key-data: SECRET-KEY-abc\n   token: SECRET-TOKEN-abc: [\n",
    );
    const opened = () => openKubeCluster(file);
    expect(opened).toThrow(
      `the kubeconfig ${file} is not valid YAML at line 5 (bad indentation of a sequence entry)`,
    );
    expect(opened).not.toThrow(/SECRET-|client-key-data/);
  });
});
