// The repository host's TLS server with the manifests' repo-host.conf (its
// tls-server-auth list) and real pgBackRest: a client with a certificate it lists reads
// the stanza; a certificate from the same CA with a name it does not list is refused;
// a certificate from another CA never gets past the handshake.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";
import { jobCommand } from "../../src/local/first-run.ts";
import { freePort, hostPath, makeServiceDir, serviceUser } from "../../src/local/host.ts";
import { PgHost } from "../../src/local/pg-host.ts";
import { makeTestCertificates } from "../support/s3.ts";

const manifestsDir = projectPath("manifests");
let db: PgHost;
let dir: string;
let port: number;
let server: ChildProcess;

function openssl(args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

/** A client certificate and key for CN, signed by the CA in ca.key/ca.crt (or by `ca`). */
function clientCertificate(cn: string, ca = "ca"): { cert: string; key: string } {
  openssl(
    ["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${cn}`].concat([
      "-keyout",
      `${cn}-${ca}.key`,
      "-out",
      `${cn}-${ca}.csr`,
    ]),
  );
  openssl(
    ["x509", "-req", "-in", `${cn}-${ca}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`].concat([
      "-CAcreateserial",
      "-days",
      "2",
      "-out",
      `${cn}-${ca}.crt`,
    ]),
  );
  return { cert: join(dir, `${cn}-${ca}.crt`), key: join(dir, `${cn}-${ca}.key`) };
}

function ownAll(): void {
  const { uid, gid } = serviceUser();
  for (const file of readdirSync(dir)) chownSync(join(dir, file), uid, gid);
}

/** pgbackrest info as a client of the repository host with this certificate. */
function infoAs(client: { cert: string; key: string }) {
  return db.run(["pgbackrest", "--stanza=mcpgov", "--output=json", "info"], {
    allowFailure: true,
    env: {
      PGBACKREST_REPO1_HOST: "localhost",
      PGBACKREST_REPO1_HOST_TYPE: "tls",
      PGBACKREST_REPO1_HOST_PORT: String(port),
      PGBACKREST_REPO1_HOST_CA_FILE: join(dir, "ca.crt"),
      PGBACKREST_REPO1_HOST_CERT_FILE: client.cert,
      PGBACKREST_REPO1_HOST_KEY_FILE: client.key,
    },
  });
}

beforeAll(async () => {
  db = await PgHost.create({ manifestsDir });
  await db.initdb();
  await db.start();
  await db.run(jobCommand(manifestsDir, "pgbackrest-stanza-create-job.yaml"));

  dir = makeServiceDir("mcpgov-backup-tls");
  // The server's certificate names localhost, where the client dials it.
  makeTestCertificates(dir, ["localhost"]);
  openssl(
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=other-ca"].concat(
      ["-keyout", "other-ca.key", "-out", "other-ca.crt"],
    ),
  );
  // The repository host's own configuration: pgbackrest.conf and repo-host.conf.
  const data = loadManifestFile(join(manifestsDir, "pgbackrest-config.yaml"))[0]?.object
    .data as Record<string, string>;
  writeFileSync(join(dir, "pgbackrest.conf"), data["pgbackrest.conf"] ?? "");
  execFileSync("mkdir", ["-p", join(dir, "conf.d")]);
  writeFileSync(join(dir, "conf.d", "repo-host.conf"), data["repo-host.conf"] ?? "");
  port = await freePort();
  ownAll();
  execFileSync("chown", ["-R", `${serviceUser().uid}:${serviceUser().gid}`, join(dir, "conf.d")]);
  server = spawn("runuser", ["-u", "postgres", "--", "pgbackrest", "server"], {
    env: {
      PATH: hostPath(),
      PGBACKREST_CONFIG: join(dir, "pgbackrest.conf"),
      PGBACKREST_CONFIG_INCLUDE_PATH: join(dir, "conf.d"),
      PGBACKREST_REPO1_PATH: db.repoPath,
      PGBACKREST_LOG_PATH: dir,
      PGBACKREST_LOCK_PATH: dir,
      PGBACKREST_TLS_SERVER_ADDRESS: "127.0.0.1",
      PGBACKREST_TLS_SERVER_PORT: String(port),
      PGBACKREST_TLS_SERVER_CA_FILE: join(dir, "ca.crt"),
      PGBACKREST_TLS_SERVER_CERT_FILE: join(dir, "server.crt"),
      PGBACKREST_TLS_SERVER_KEY_FILE: join(dir, "server.key"),
    },
    stdio: "ignore",
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
}, 120_000);

afterAll(async () => {
  server?.kill("SIGTERM");
  await db?.destroy();
  if (dir) execFileSync("rm", ["-rf", dir]);
});

describe("the repository host's TLS server", () => {
  it("serves a client whose certificate it lists (pgbackrest-client)", async () => {
    const client = clientCertificate("pgbackrest-client");
    ownAll();
    const { code, stdout, stderr } = await infoAs(client);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)[0].status.message).toBe("no valid backups");
  }, 60_000);

  it("refuses a certificate from the same CA whose name it does not list", async () => {
    const intruder = clientCertificate("intruder");
    ownAll();
    const { stdout, stderr } = await infoAs(intruder);
    expect(stdout + stderr).toMatch(/access denied/);
  }, 60_000);

  it("refuses a certificate from another CA, even with a listed name", async () => {
    const forged = clientCertificate("pgbackrest-client", "other-ca");
    ownAll();
    const { stdout, stderr } = await infoAs(forged);
    expect(stdout + stderr).not.toMatch(/"status":\{"code":[02]/);
    expect(stdout + stderr).toMatch(/TLS|certificate|ProtocolError|unable to/i);
  }, 60_000);
});
