// A PostgreSQL host on this machine configured from the manifests: postgresql.conf and
// pg_hba.conf from postgres-config.yaml, pgbackrest.conf from pgbackrest-config.yaml.
// Paths that a pod gets from its volumes (data directory, repository, socket, logs) are
// given to pgBackRest as PGBACKREST_* environment variables, which take precedence over
// the config file, so the file itself runs unchanged.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { loadManifestFile } from "../../core/manifests/load.ts";
import {
  forget,
  freePort,
  makeServiceDir,
  makeServiceSubdir,
  postgresBinDir,
  type RunOptions,
  type RunResult,
  remember,
  removeServiceDir,
  runAsService,
  stillStarted,
  writeServiceFile,
} from "../host.ts";

export interface PgHostOptions {
  /** Directory holding postgres-config.yaml and pgbackrest-config.yaml. */
  manifestsDir: string;
  /** Repository directory shared with other hosts; a new one under the host's directory if absent. */
  repoPath?: string;
  /** More pgBackRest settings as PGBACKREST_* variables (a second repository, say), for every command and archive_command. */
  env?: Record<string, string>;
}

function configMapData(file: string): Record<string, string> {
  const data = loadManifestFile(file)[0]?.object.data;
  if (!data || typeof data !== "object") throw new Error(`${file}: ConfigMap has no data`);
  return data as Record<string, string>;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export class PgHost {
  readonly dir: string;
  readonly pgdata: string;
  readonly socketDir: string;
  readonly repoPath: string;
  readonly port: number;
  /** Environment for pgBackRest commands on this host, and for PostgreSQL's archive_command. */
  readonly env: Record<string, string>;
  readonly logFile: string;

  private constructor(dir: string, port: number, repoPath: string) {
    this.dir = dir;
    this.port = port;
    this.repoPath = repoPath;
    this.pgdata = join(dir, "pgdata");
    this.socketDir = join(dir, "socket");
    this.logFile = join(dir, "log", "postgresql.log");
    this.env = {
      PGBACKREST_CONFIG: join(dir, "etc/pgbackrest/pgbackrest.conf"),
      PGBACKREST_CONFIG_INCLUDE_PATH: join(dir, "etc/pgbackrest/conf.d"),
      PGBACKREST_REPO1_PATH: repoPath,
      PGBACKREST_PG1_PATH: this.pgdata,
      PGBACKREST_PG1_PORT: String(port),
      PGBACKREST_PG1_SOCKET_PATH: this.socketDir,
      PGBACKREST_LOG_PATH: join(dir, "log"),
      PGBACKREST_LOCK_PATH: join(dir, "lock"),
    };
  }

  /** Lays out a host directory with the manifests' configuration files. */
  static async create(options: PgHostOptions): Promise<PgHost> {
    const dir = makeServiceDir("mcpgov-backup-host");
    const host = new PgHost(dir, await freePort(), options.repoPath ?? join(dir, "repo"));
    remember(host);
    Object.assign(host.env, options.env);
    const postgres = configMapData(join(options.manifestsDir, "postgres-config.yaml"));
    const pgbackrest = configMapData(join(options.manifestsDir, "pgbackrest-config.yaml"));
    for (const key of ["postgresql.conf", "pg_hba.conf"]) {
      const content = postgres[key];
      if (content === undefined) throw new Error(`postgres-config.yaml: data.${key} is missing`);
      writeServiceFile(join(dir, "etc/postgresql", key), content);
    }
    const conf = pgbackrest["pgbackrest.conf"];
    const stanza = pgbackrest.stanza;
    if (conf === undefined || stanza === undefined)
      throw new Error("pgbackrest-config.yaml: data.pgbackrest.conf or data.stanza is missing");
    // As the containers read it: the stanza from the ConfigMap, unless the caller set one.
    host.env.PGBACKREST_STANZA ??= stanza;
    writeServiceFile(host.env.PGBACKREST_CONFIG as string, conf);
    for (const sub of ["etc/pgbackrest/conf.d", "log", "lock", "socket"]) {
      makeServiceSubdir(join(dir, sub));
    }
    makeServiceSubdir(host.repoPath);
    return host;
  }

  run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    return runAsService(argv, { ...options, env: { ...this.env, ...options.env } });
  }

  /** initdb with page checksums, as the reference StatefulSet does (checksums: false to leave them off). */
  async initdb(options: { checksums?: boolean } = {}): Promise<void> {
    const checksums = options.checksums === false ? [] : ["--data-checksums"];
    await this.run(["initdb", "--pgdata", this.pgdata, "--username=postgres", ...checksums]);
  }

  /**
   * Starts PostgreSQL with the manifest's postgresql.conf and pg_hba.conf, on this host's
   * own port and socket and no TCP listener. `settings` override single parameters.
   */
  async start(settings: Record<string, string> = {}): Promise<void> {
    const all: Record<string, string> = {
      config_file: join(this.dir, "etc/postgresql/postgresql.conf"),
      hba_file: join(this.dir, "etc/postgresql/pg_hba.conf"),
      port: String(this.port),
      unix_socket_directories: this.socketDir,
      listen_addresses: "",
      ...settings,
    };
    // pg_ctl hands -o to a shell: every value is quoted.
    const options = Object.entries(all)
      .map(([name, value]) => `-c ${shellQuote(`${name}=${value}`)}`)
      .join(" ");
    await this.run([
      "pg_ctl",
      "--pgdata",
      this.pgdata,
      "--log",
      this.logFile,
      "--wait",
      "--timeout=120",
      "-o",
      options,
      "start",
    ]);
  }

  async stop(): Promise<void> {
    await this.run(["pg_ctl", "--pgdata", this.pgdata, "--mode=fast", "--wait", "stop"], {
      allowFailure: true,
    });
  }

  /** Runs SQL as the postgres superuser over the Unix socket and returns unaligned rows. */
  async sql(query: string, database = "postgres"): Promise<string> {
    const result = await this.run([
      "psql",
      "--host",
      this.socketDir,
      "--port",
      String(this.port),
      "--username=postgres",
      "--dbname",
      database,
      "--no-psqlrc",
      "--tuples-only",
      "--no-align",
      "--quiet",
      "--set=ON_ERROR_STOP=1",
      "--command",
      query,
    ]);
    return result.stdout.trim();
  }

  /**
   * Stops PostgreSQL and removes the host's directory (repository included if it is
   * ours), unmounting first whatever was mounted under it.
   */
  async destroy(): Promise<void> {
    await this.stop();
    removeServiceDir(this.dir);
    forget(this);
  }

  /**
   * Every host not yet destroyed, destroyed in an exit handler, which cannot wait: each
   * server is stopped at once (immediate mode; its directory goes anyway).
   */
  static destroyAllSync(): void {
    const pgCtl = join(postgresBinDir(), "pg_ctl");
    for (const host of stillStarted()) {
      if (!(host instanceof PgHost)) continue;
      try {
        const stop = [pgCtl, "-D", host.pgdata, "-m", "immediate", "-w", "stop"];
        execFileSync("runuser", ["-u", "postgres", "--", ...stop], { cwd: "/", stdio: "ignore" });
      } catch {
        // not running
      }
      removeServiceDir(host.dir);
      forget(host);
    }
  }
}
