// The real pgbackrest binary accepts the ConfigMap's configuration as each pod sees it
// (pgbackrest.conf plus that pod's role file), and rejects the seed's inline comments.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { parsePgbackrestConfig } from "../../src/core/pgbackrest/config.ts";
import { makeServiceDir, runAsService, writeServiceFile } from "../../src/local/host.ts";

const manifest = new URL("../../manifests/pgbackrest-config.yaml", import.meta.url).pathname;
const data = loadManifestFile(manifest)[0]?.object.data as Record<string, string>;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs `pgbackrest help COMMAND [OPTION]` with these files as /etc/pgbackrest: help loads and checks the whole configuration. */
async function pgbackrestHelp(files: Record<string, string>, command: string, option?: string) {
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
    { allowFailure: true },
  );
  return { ...result, output: result.stdout + result.stderr };
}

describe("pgbackrest.conf in the pgbackrest-config ConfigMap", () => {
  it.each([
    ["repo-host.conf", "backup", "repo1-retention-full", "4"],
    ["repo-host.conf", "backup", "pg1-host", "postgres-service"],
    ["repo-host.conf", "server", "tls-server-address", "0.0.0.0"],
    ["repo-host.conf", "stanza-create", "pg1-host-type", "tls"],
    ["postgres-host.conf", "archive-push", "repo1-host", "pgbackrest-repo-host"],
    ["postgres-host.conf", "server", "tls-server-cert-file", "/etc/pgbackrest/tls/tls.crt"],
    ["client.conf", "restore", "repo1-host-type", "tls"],
    ["client.conf", "info", "repo1-host", "pgbackrest-repo-host"],
    ["client.conf", "restore", "pg1-path", "/var/lib/postgresql/data/pgdata"],
  ])(
    "with %s is accepted by pgbackrest %s, which reads %s = %s",
    async (role, command, option, value) => {
      const files = {
        "pgbackrest.conf": data["pgbackrest.conf"] ?? "",
        [`conf.d/${role}`]: data[role] ?? "",
      };
      const result = await pgbackrestHelp(files, command, option);
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
