// The real pgbackrest binary accepts the ConfigMap's configuration as each pod sees it
// (pgbackrest.conf plus that pod's role file), and rejects the seed's inline comments.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { podSpecOf } from "../../src/core/manifests/pod.ts";
import { environmentConfig, parsePgbackrestConfig } from "../../src/core/pgbackrest/config.ts";
import { makeServiceDir, runAsService, writeServiceFile } from "../../src/local/host.ts";

const manifest = new URL("../../manifests/pgbackrest-config.yaml", import.meta.url).pathname;
const data = loadManifestFile(manifest)[0]?.object.data as Record<string, string>;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs `pgbackrest help COMMAND [OPTION]` with these files as /etc/pgbackrest: help loads and checks the whole configuration. */
async function pgbackrestHelp(
  files: Record<string, string>,
  command: string,
  option?: string,
  env: Record<string, string> = {},
) {
  const dir = makeServiceDir("mcpgov-backup-conf");
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeServiceFile(join(dir, name), content);
  const result = await runAsService(
    [
      "pgbackrest",
      `--config=${join(dir, "pgbackrest.conf")}`,
      `--config-include-path=${join(dir, "conf.d")}`,
      ...(command === "server" ? [] : ["--stanza=mcpgov"]),
      "help",
      command,
      ...(option ? [option] : []),
    ],
    { allowFailure: true, env },
  );
  return { ...result, output: result.stdout + result.stderr };
}

/** A container's literal PGBACKREST_* variables (the stanza-only options), as the kubelet sets them. */
function pgbackrestEnv(file: string, kind: string): Record<string, string> {
  const docs = loadManifestFile(new URL(`../../manifests/${file}`, import.meta.url).pathname);
  const object = docs.find((d) => d.object.kind === kind)?.object;
  const spec = object && podSpecOf(object);
  const options = environmentConfig(spec?.containers[0]?.env ?? []).get("global") ?? new Map();
  const variable = (option: string) => `PGBACKREST_${option.toUpperCase().replaceAll("-", "_")}`;
  return Object.fromEntries([...options].map(([option, [value]]) => [variable(option), value]));
}

describe("pgbackrest.conf in the pgbackrest-config ConfigMap", () => {
  const repoHost = () => pgbackrestEnv("pgbackrest-repo-host-statefulset.yaml", "StatefulSet");
  const postgres = () => pgbackrestEnv("postgres-statefulset.yaml", "StatefulSet");
  const restore = () => pgbackrestEnv("restore/pgbackrest-restore-pitr-cronjob.yaml", "CronJob");
  it.each([
    ["repo-host.conf", "backup", "repo1-retention-full-type", "time", repoHost],
    ["repo-host.conf", "backup", "repo1-retention-full", "7", repoHost],
    ["repo-host.conf", "backup", "pg1-host", "postgres-service", repoHost],
    ["repo-host.conf", "server", "tls-server-address", "0.0.0.0", repoHost],
    ["repo-host.conf", "stanza-create", "pg1-host-type", "tls", repoHost],
    ["postgres-host.conf", "archive-push", "repo1-host", "pgbackrest-repo-host", postgres],
    ["postgres-host.conf", "archive-push", "pg1-path", "/var/lib/postgresql/data/pgdata", postgres],
    [
      "postgres-host.conf",
      "server",
      "tls-server-cert-file",
      "/etc/pgbackrest/tls/tls.crt",
      postgres,
    ],
    ["client.conf", "restore", "repo1-host-type", "tls", restore],
    ["client.conf", "info", "repo1-host", "pgbackrest-repo-host", restore],
    ["client.conf", "restore", "pg1-path", "/var/lib/postgresql/data/pgdata", restore],
  ])(
    "with %s is accepted by pgbackrest %s, which reads %s = %s",
    async (role, command, option, value, env) => {
      const files = {
        "pgbackrest.conf": data["pgbackrest.conf"] ?? "",
        [`conf.d/${role}`]: data[role] ?? "",
      };
      const result = await pgbackrestHelp(files, command, option, env());
      expect(result.output).not.toMatch(/ERROR|WARN/);
      expect(result.code).toBe(0);
      expect(result.output).toContain(`current: ${value}\n`);
    },
  );

  it("the seed's inline comment form is rejected by pgbackrest and by the parser", async () => {
    const seedForm = `${data["pgbackrest.conf"]}\n[global]\nrepo1-retention-archive=30    # Keep 30 days of archive logs\n`;
    const result = await pgbackrestHelp(
      { "pgbackrest.conf": seedForm, "conf.d/.keep": "" },
      "backup",
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/\[032\].*is not valid for 'repo1-retention-archive' option/);
    const { problems } = parsePgbackrestConfig(seedForm);
    expect(problems.map((p) => p.message).join()).toMatch(
      /repo1-retention-archive: .* looks like an inline comment/,
    );
  });
});
