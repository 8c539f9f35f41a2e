// scripts/make-tls-secrets.sh makes certificates that fit the configuration: each host's
// certificate names the host its peers dial, and each client's CN is one the peer's
// tls-server-auth accepts. It works from any directory, in the namespace of the overlay it
// is given, and says what to do when it cannot.
import { execFileSync, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import {
  environmentConfig,
  optionValue,
  parsePgbackrestConfig,
} from "../../src/core/pgbackrest/config.ts";
import { validateSchema } from "../../src/manifest-checks/schema.ts";

const root = new URL("../..", import.meta.url).pathname;
const script = join(root, "scripts/make-tls-secrets.sh");
const data = loadManifestFile(join(root, "manifests/pgbackrest-config.yaml"))[0]?.object
  .data as Record<string, string>;
const role = (name: string) => parsePgbackrestConfig(data[name] ?? "").config;
// The repository host's pg1-host is in its container's environment (a stanza-only option).
const repoHostEnv = () => {
  const docs = loadManifestFile(join(root, "manifests/pgbackrest-repo-host-statefulset.yaml"));
  const sts = docs.find((d) => d.object.kind === "StatefulSet")?.object as {
    spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
  };
  return environmentConfig(sts.spec.template.spec.containers[0]?.env ?? []);
};

let dir: string;
let out: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mcpgov-backup-tls-"));
  out = join(dir, "secrets.yaml");
  execFileSync(script, ["--out", out, "--pem-dir", join(dir, "pem")], { stdio: "pipe" });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): string {
  return execFileSync("openssl", args, { encoding: "utf8" });
}
const subject = (name: string) =>
  openssl("x509", "-noout", "-subject", "-in", join(dir, "pem", `${name}.crt`));
const sans = (name: string) =>
  openssl("x509", "-noout", "-ext", "subjectAltName", "-in", join(dir, "pem", `${name}.crt`));

describe("make-tls-secrets.sh", () => {
  it("writes three kubernetes.io/tls Secrets with ca.crt, readable by the owner only", () => {
    const secrets = parseAllDocuments(readFileSync(out, "utf8"))
      .map((d) => d.toJS())
      .filter(Boolean);
    expect(secrets.map((s) => s.metadata.name)).toEqual([
      "pgbackrest-tls-repo-host",
      "pgbackrest-tls-postgres",
      "pgbackrest-tls-client",
    ]);
    for (const secret of secrets) {
      expect(secret.type).toBe("kubernetes.io/tls");
      expect(Object.keys(secret.data).sort()).toEqual(["ca.crt", "tls.crt", "tls.key"]);
      expect(secret.metadata.namespace).toBe("ai-governance");
    }
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(loadManifestFile(out).flatMap(validateSchema)).toEqual([]);
  });

  it("signs every certificate with the one CA", () => {
    const pem = (name: string) => join(dir, "pem", `${name}.crt`);
    const verified = openssl(
      "verify",
      "-CAfile",
      pem("ca"),
      pem("repo-host"),
      pem("postgres"),
      pem("client"),
    );
    expect(verified.trim().split("\n")).toEqual([
      `${pem("repo-host")}: OK`,
      `${pem("postgres")}: OK`,
      `${pem("client")}: OK`,
    ]);
  });

  it("names each server by the host its peers dial", () => {
    const repoHost = optionValue(role("postgres-host.conf"), "global", "repo1-host");
    const pgHost = optionValue(repoHostEnv(), "global", "pg1-host");
    expect(sans("repo-host")).toContain(`DNS:${repoHost},`);
    expect(optionValue(role("client.conf"), "global", "repo1-host")).toBe(repoHost);
    expect(sans("postgres")).toContain(`DNS:${pgHost},`);
  });

  it("gives each client a CN its server's tls-server-auth accepts", () => {
    const auth = (file: string) => role(file).get("global")?.get("tls-server-auth") ?? [];
    const cn = (name: string) => /CN ?= ?([^,\n]+)/.exec(subject(name))?.[1];
    // Every stanza (`*`): one repository host serves one database, whatever its stanza.
    expect(auth("repo-host.conf")).toEqual([`${cn("postgres")}=*`, `${cn("client")}=*`]);
    expect(auth("postgres-host.conf")).toEqual([`${cn("repo-host")}=*`]);
  });

  it("refuses to overwrite existing secrets without --force, saying how", () => {
    const again = spawnSync(script, ["--out", out], { encoding: "utf8" });
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("already exists; use --force to replace it");
  });

  it.each([
    [["--days", "soon"], "--days must be a positive whole number"],
    [["--namespace", "Bad_Name"], "--namespace must be a valid namespace name"],
    [["--frobnicate"], "unknown argument: --frobnicate"],
  ])("rejects %j with a clear error", (args, message) => {
    const result = spawnSync(script, ["--out", join(dir, "unused.yaml"), ...args], {
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

describe("make-tls-secrets.sh from any directory", () => {
  /** A directory of its own for the running test, removed after it. */
  function scratch(): string {
    const made = mkdtempSync(join(tmpdir(), "mcpgov-backup-tls-cwd-"));
    onTestFinished(() => rmSync(made, { recursive: true, force: true }));
    return made;
  }
  const run = (command: string, args: string[], cwd: string) =>
    spawnSync(command, args, { cwd, encoding: "utf8" });
  const namespaces = (file: string) =>
    loadManifestFile(file).map((d) => (d.object.metadata as { namespace: string }).namespace);
  const base = loadManifestFile(join(root, "manifests/kustomization.yaml"))[0]?.object;
  const baseNamespace = (base as { namespace?: string } | undefined)?.namespace;

  it("writes a relative --out in the caller's directory, in the base's namespace", () => {
    const cwd = scratch();
    const result = run(script, ["--out", "secrets.yaml"], cwd);
    expect(result.stderr).toContain("wrote");
    expect(result.status).toBe(0);
    expect(baseNamespace).toMatch(/^[a-z0-9-]+$/);
    expect(namespaces(join(cwd, "secrets.yaml"))).toEqual([
      baseNamespace,
      baseNamespace,
      baseNamespace,
    ]);
  });

  it("with no --out, writes beside the base it came with, wherever it is run from or linked", () => {
    // A checkout of its own: the script and the base's kustomization, as in this repository.
    const checkout = scratch();
    mkdirSync(join(checkout, "scripts"));
    mkdirSync(join(checkout, "manifests"));
    copyFileSync(script, join(checkout, "scripts/make-tls-secrets.sh"));
    copyFileSync(
      join(root, "manifests/kustomization.yaml"),
      join(checkout, "manifests/kustomization.yaml"),
    );
    const elsewhere = scratch();
    symlinkSync(join(checkout, "scripts/make-tls-secrets.sh"), join(elsewhere, "make-tls-secrets"));
    const result = run(join(elsewhere, "make-tls-secrets"), [], elsewhere);
    expect(result.stderr).not.toContain("No such file");
    expect(result.status).toBe(0);
    const written = join(checkout, "manifests/pgbackrest-tls-secrets.yaml");
    expect(namespaces(written)).toEqual([baseNamespace, baseNamespace, baseNamespace]);
  });

  it("takes the namespace of the overlay --kustomization names, and writes beside it", () => {
    const cwd = scratch();
    mkdirSync(join(cwd, "payments"));
    writeFileSync(
      join(cwd, "payments/kustomization.yaml"),
      "resources:\n  - ../base\nnamespace: payments # the team's\n",
    );
    const result = run(script, ["--kustomization", "payments", "--pem-dir", "pem"], cwd);
    expect(result.stderr).toContain("wrote");
    expect(result.status).toBe(0);
    const written = join(cwd, "payments/pgbackrest-tls-secrets.yaml");
    expect(namespaces(written)).toEqual(["payments", "payments", "payments"]);
    const names = openssl(
      "x509",
      "-noout",
      "-ext",
      "subjectAltName",
      "-in",
      join(cwd, "pem/repo-host.crt"),
    );
    expect(names).toContain("DNS:pgbackrest-repo-host.payments.svc,");

    const override = run(
      script,
      ["--kustomization", "payments", "--namespace", "payments-2", "--out", "other.yaml"],
      cwd,
    );
    expect(override.status).toBe(0);
    expect(namespaces(join(cwd, "other.yaml"))).toEqual(["payments-2", "payments-2", "payments-2"]);
  });

  it("takes the base's namespace for an overlay that sets none", () => {
    const cwd = scratch();
    writeFileSync(join(cwd, "kustomization.yaml"), "resources:\n  - ../base\n");
    const result = run(script, ["--kustomization", "."], cwd);
    expect(result.status).toBe(0);
    const written = join(cwd, "pgbackrest-tls-secrets.yaml");
    expect(namespaces(written)).toEqual([baseNamespace, baseNamespace, baseNamespace]);
  });

  it.each([
    [
      "--out into a directory that does not exist",
      ["--out", "missing/secrets.yaml"],
      "missing/secrets.yaml: its directory does not exist; create it or give another --out",
    ],
    [
      "--kustomization of a directory without one",
      ["--kustomization", "."],
      "--kustomization .: no kustomization.yaml there; give the directory of an overlay",
    ],
  ])("says what to do with %s", (_case, args, message) => {
    const cwd = scratch();
    const result = run(script, args, cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(existsSync(join(cwd, "missing"))).toBe(false);
  });

  it("copied without its base, asks for the namespace and the file", () => {
    const alone = scratch();
    copyFileSync(script, join(alone, "make-tls-secrets.sh"));
    const result = run(join(alone, "make-tls-secrets.sh"), [], alone);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("give --namespace NS and --out FILE, or --kustomization DIR");
  });

  it("downloaded alone, makes an overlay's Secrets and applies them, and a second run applies the same ones", () => {
    const cwd = scratch();
    copyFileSync(script, join(cwd, "make-tls-secrets.sh"));
    mkdirSync(join(cwd, "payments"));
    writeFileSync(join(cwd, "payments/kustomization.yaml"), "namespace: payments\n");
    // A kubectl that says what it was asked, so that the test sees the call.
    const bin = join(cwd, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "kubectl"), `#!/bin/sh\necho "kubectl $*" >> "${cwd}/calls"\n`, {
      mode: 0o755,
    });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const apply = () =>
      spawnSync("bash", ["make-tls-secrets.sh", "--kustomization", "payments", "--apply"], {
        cwd,
        env,
        encoding: "utf8",
      });
    const first = apply();
    expect([first.status, first.stderr]).toEqual([0, expect.stringContaining("wrote")]);
    const written = join(cwd, "payments/pgbackrest-tls-secrets.yaml");
    const certificates = readFileSync(written, "utf8");
    const second = apply();
    expect([second.status, second.stderr]).toEqual([
      0,
      expect.stringContaining("applying it as it is"),
    ]);
    expect(readFileSync(written, "utf8")).toBe(certificates);
    expect(readFileSync(join(cwd, "calls"), "utf8")).toBe(
      `kubectl apply -f payments/pgbackrest-tls-secrets.yaml\n`.repeat(2),
    );
  });
});
