// scripts/make-action-kubeconfig.sh writes a kubeconfig the product loads, for the
// Action's ServiceAccount in the namespace asked (the base's by default), from what kubectl
// says about the current context; kubectl here is a stand-in that records what it was asked
// and answers as kubectl does.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { projectPath } from "../../src/core/paths.ts";

const script = projectPath("scripts", "make-action-kubeconfig.sh");
const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
let dir: string;
let kubectl: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mcpgov-backup-kubeconfig-"));
  kubectl = join(dir, "kubectl");
  // Answers the three questions the script asks; `create token` fails for namespace nowhere.
  writeFileSync(
    kubectl,
    `#!/bin/sh
printf '%s\\n' "$*" >> "${dir}/calls"
case "$*" in
*"cluster.server}"*) printf 'https://127.0.0.1:6443' ;;
*"certificate-authority-data}"*) printf '%s' '${CA.toString("base64")}' ;;
"create token mcpgov-backup-action --namespace nowhere "*) echo 'error: failed to create token: serviceaccounts "mcpgov-backup-action" not found' >&2; exit 1 ;;
"create token "*) printf 'eyJhbGciOiJSUzI1NiJ9.token' ;;
*) exit 3 ;;
esac
`,
  );
  chmodSync(kubectl, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  writeFileSync(join(dir, "calls"), "");
  const result = spawnSync(script, args, {
    encoding: "utf8",
    env: { ...process.env, MCPGOV_KUBECTL: kubectl },
  });
  return { ...result, calls: readFileSync(join(dir, "calls"), "utf8").trim().split("\n") };
}

describe("make-action-kubeconfig.sh", () => {
  it("writes a kubeconfig (0600) for mcpgov-backup-action in the namespace asked, that the product loads", () => {
    const out = join(dir, "ledger.kubeconfig");
    const result = run(["--namespace", "ledger-db", "--duration", "24h", "--out", out]);
    expect(result.stderr).toContain(`wrote ${out}`);
    expect(result.status).toBe(0);
    expect(result.calls.at(-1)).toBe(
      "create token mcpgov-backup-action --namespace ledger-db --duration 24h",
    );
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const config = new KubeConfig();
    config.loadFromString(readFileSync(out, "utf8"));
    expect(config.getContextObject(config.getCurrentContext())?.namespace).toBe("ledger-db");
    expect(config.getCurrentUser()).toMatchObject({
      name: "mcpgov-backup-action",
      token: "eyJhbGciOiJSUzI1NiJ9.token",
    });
    expect(config.getCurrentCluster()).toMatchObject({
      server: "https://127.0.0.1:6443",
      caData: CA.toString("base64"),
    });
    // The token goes to the file only.
    expect(result.stdout + result.stderr).not.toContain("eyJhbGciOiJSUzI1NiJ9");
  });

  it("asks for a token of an hour by default, and says why in --help", () => {
    const out = join(dir, "short.kubeconfig");
    const result = run(["--namespace", "ledger-db", "--out", out]);
    expect(result.status).toBe(0);
    expect(result.calls.at(-1)).toBe(
      "create token mcpgov-backup-action --namespace ledger-db --duration 1h",
    );
    const help = spawnSync(script, ["--help"], { encoding: "utf8" }).stdout;
    expect(help).toContain("(default 1h");
    expect(help).toMatch(/a leaked token is good for no longer than/);
  });

  it("defaults to the namespace the base installs into", () => {
    const out = join(dir, "default.kubeconfig");
    expect(run(["--out", out]).status).toBe(0);
    const namespace = renderKustomization(projectPath("manifests")).find(
      (o) => o.kind === "ServiceAccount",
    )?.metadata.namespace;
    expect(readFileSync(out, "utf8")).toContain(`namespace: ${namespace}\n`);
  });

  it("refuses to replace a kubeconfig without --force, a bad namespace or duration, saying what to do", () => {
    const out = join(dir, "twice.kubeconfig");
    expect(run(["--out", out]).status).toBe(0);
    const again = run(["--out", out]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("already exists; use --force to replace it");
    expect(run(["--out", out, "--force"]).status).toBe(0);
    const bad = run(["--namespace", "Ledger;rm", "--out", join(dir, "x")]);
    expect(bad.stderr).toContain("--namespace must be a valid namespace name");
    expect(bad.calls).toEqual([""]);
    expect(run(["--duration", "forever", "--out", join(dir, "y")]).stderr).toContain(
      "--duration must be a number and a unit",
    );
  });

  it("says to apply manifests/action/ when the ServiceAccount is not there, and writes nothing", () => {
    const out = join(dir, "nowhere.kubeconfig");
    const result = run(["--namespace", "nowhere", "--out", out]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("is manifests/action/ applied in namespace nowhere");
    expect(() => statSync(out)).toThrow();
  });
});
