// scripts/make-tls-secrets.sh makes certificates that fit the configuration: each host's
// certificate names the host its peers dial, and each client's CN is one the peer's
// tls-server-auth accepts.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
