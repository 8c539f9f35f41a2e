// A repository host on this machine: `pgbackrest server` over mutual TLS with the
// manifests' pgbackrest.conf and repo-host.conf (its tls-server-auth list), serving a
// repository directory, stoppable and restartable to make it unreachable. Its certificate
// names localhost, where clients dial it; client certificates come from the same CA.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import {
  forget,
  freePort,
  hostPath,
  makeServiceDir,
  remember,
  removeServiceDir,
  serviceUser,
} from "../../src/local/host.ts";
import { makeTestCertificates } from "./s3.ts";

export interface ClientCertificate {
  cert: string;
  key: string;
}

export class RepoHost {
  readonly dir: string;
  readonly port: number;
  readonly repoPath: string;
  private server: ChildProcess | undefined;

  private constructor(dir: string, port: number, repoPath: string) {
    this.dir = dir;
    this.port = port;
    this.repoPath = repoPath;
  }

  static async start(manifestsDir: string, repoPath: string): Promise<RepoHost> {
    const host = new RepoHost(
      makeServiceDir("mcpgov-backup-repo-host"),
      await freePort(),
      repoPath,
    );
    remember(host);
    makeTestCertificates(host.dir, ["localhost"]);
    const config = loadManifestFile(join(manifestsDir, "pgbackrest-config.yaml"))[0]?.object
      .data as Record<string, string>;
    writeFileSync(join(host.dir, "pgbackrest.conf"), config["pgbackrest.conf"] ?? "");
    mkdirSync(join(host.dir, "conf.d"));
    writeFileSync(join(host.dir, "conf.d", "repo-host.conf"), config["repo-host.conf"] ?? "");
    host.own();
    await host.resume();
    return host;
  }

  private own(): void {
    const { uid, gid } = serviceUser();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        chownSync(join(dir, entry.name), uid, gid);
        if (entry.isDirectory()) walk(join(dir, entry.name));
      }
    };
    walk(this.dir);
  }

  /** A client certificate for CN, from this host's CA or from `ca` (a file stem in dir). */
  client(cn: string, ca = "ca"): ClientCertificate {
    const openssl = (args: string[]) =>
      execFileSync("openssl", args, { cwd: this.dir, stdio: "pipe" });
    const stem = `${cn}-${ca}`;
    openssl(
      ["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${cn}`].concat([
        "-keyout",
        `${stem}.key`,
        "-out",
        `${stem}.csr`,
      ]),
    );
    openssl(
      ["x509", "-req", "-in", `${stem}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`].concat([
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        `${stem}.crt`,
      ]),
    );
    this.own();
    return { cert: join(this.dir, `${stem}.crt`), key: join(this.dir, `${stem}.key`) };
  }

  /** Another CA, for certificates this host must not trust. */
  otherCa(): string {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=other-ca",
      ].concat(["-keyout", "other-ca.key", "-out", "other-ca.crt"]),
      { cwd: this.dir, stdio: "pipe" },
    );
    return "other-ca";
  }

  /** What a client sets to reach this host as its repo1 (PGBACKREST_* variables). */
  clientEnv(client: ClientCertificate): Record<string, string> {
    return {
      PGBACKREST_REPO1_HOST: "localhost",
      PGBACKREST_REPO1_HOST_TYPE: "tls",
      PGBACKREST_REPO1_HOST_PORT: String(this.port),
      PGBACKREST_REPO1_HOST_CA_FILE: join(this.dir, "ca.crt"),
      PGBACKREST_REPO1_HOST_CERT_FILE: client.cert,
      PGBACKREST_REPO1_HOST_KEY_FILE: client.key,
    };
  }

  /** Starts the server (again), and waits until it accepts connections. */
  async resume(): Promise<void> {
    this.server = spawn("runuser", ["-u", "postgres", "--", "pgbackrest", "server"], {
      cwd: "/",
      env: {
        PATH: hostPath(),
        PGBACKREST_CONFIG: join(this.dir, "pgbackrest.conf"),
        PGBACKREST_CONFIG_INCLUDE_PATH: join(this.dir, "conf.d"),
        PGBACKREST_REPO1_PATH: this.repoPath,
        PGBACKREST_LOG_PATH: this.dir,
        PGBACKREST_LOCK_PATH: this.dir,
        PGBACKREST_TLS_SERVER_ADDRESS: "127.0.0.1",
        PGBACKREST_TLS_SERVER_PORT: String(this.port),
        PGBACKREST_TLS_SERVER_CA_FILE: join(this.dir, "ca.crt"),
        PGBACKREST_TLS_SERVER_CERT_FILE: join(this.dir, "server.crt"),
        PGBACKREST_TLS_SERVER_KEY_FILE: join(this.dir, "server.key"),
      },
      stdio: "ignore",
    });
    const deadline = Date.now() + 10_000;
    while (!(await this.listening())) {
      if (Date.now() > deadline) throw new Error("pgbackrest server did not listen within 10 s");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private listening(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
  }

  /** Stops the server: clients cannot reach the repository until resume(). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server || server.exitCode !== null) return;
    // runuser passes the signal on; pgbackrest server's pid is its child's.
    execFileSync("pkill", ["-KILL", "-P", String(server.pid)]);
    await new Promise((resolve) => server.once("exit", resolve));
    this.server = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    removeServiceDir(this.dir);
    forget(this);
  }
}
