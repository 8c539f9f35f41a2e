// A real S3-compatible repository for pgBackRest in the tests: s3rver over HTTPS with a
// certificate from a test CA (pgBackRest speaks only HTTPS to S3 and verifies it),
// stoppable and restartable on the same data to make an outage.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../src/core/paths.ts";
import {
  forget,
  freePort,
  makeServiceDir,
  makeServiceSubdir,
  remember,
  removeServiceDir,
} from "../../src/local/host.ts";
import type { KeyGrant, PolicyDocument } from "./s3-iam.ts";

/**
 * The three keys of docs/s3.md, "One key per job", each with the IAM policy that
 * manifests/s3/iam ships for it, which the test server's front enforces (s3-server.ts).
 */
export const S3_KEYS = {
  /** pgbackrest-s3-credentials: the repository host's, the only one that may delete. */
  repoHost: { id: "MCPGOVREPOHOST", secret: "repo-host-secret-5d0c1f", policy: "repo-host.json" },
  /** pgbackrest-s3-writer: PostgreSQL's, adds WAL and reads it back. */
  writer: { id: "MCPGOVWRITER", secret: "writer-secret-8a41e2", policy: "writer.json" },
  /** pgbackrest-s3-reader: restores, validations, metrics: reads only. */
  reader: { id: "MCPGOVREADER", secret: "reader-secret-c7b90d", policy: "reader.json" },
} as const;

export type S3KeyName = keyof typeof S3_KEYS;

/** What a Secret gives a pod of one key: pgBackRest's variables for repository 2. */
export function s3KeyEnv(name: S3KeyName): Record<string, string> {
  return {
    PGBACKREST_REPO2_S3_KEY: S3_KEYS[name].id,
    PGBACKREST_REPO2_S3_KEY_SECRET: S3_KEYS[name].secret,
  };
}

/** The shipped IAM policies for a bucket: manifests/s3/iam with the bucket's name put in. */
export function iamGrants(bucket: string): Record<string, KeyGrant> {
  return Object.fromEntries(
    Object.values(S3_KEYS).map((key) => {
      const text = readFileSync(projectPath("manifests", "s3", "iam", key.policy), "utf8");
      const policy = JSON.parse(text.replaceAll("your-backup-bucket", bucket)) as PolicyDocument;
      return [key.id, { secret: key.secret, policy }];
    }),
  );
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: "pipe" });
}

/** PEM files: a test CA, and a server certificate it signed for these DNS names. */
export interface TestCertificates {
  caFile: string;
  keyFile: string;
  certFile: string;
}

/** Makes a CA and a server certificate under dir (which must exist). */
export function makeTestCertificates(dir: string, names: string[]): TestCertificates {
  const days = ["-days", "2"];
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      ...days,
      "-subj",
      "/CN=mcpgov-test-ca",
    ].concat(["-keyout", "ca.key", "-out", "ca.crt"]),
    dir,
  );
  openssl(
    ["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${names[0]}`].concat([
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
    ]),
    dir,
  );
  writeFileSync(join(dir, "san.cnf"), `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\n`);
  openssl(
    ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", ...days].concat([
      "-CAcreateserial",
      "-out",
      "server.crt",
      "-extfile",
      "san.cnf",
    ]),
    dir,
  );
  // pgBackRest, as the postgres user, reads the CA certificate.
  chmodSync(join(dir, "ca.crt"), 0o644);
  return {
    caFile: join(dir, "ca.crt"),
    keyFile: join(dir, "server.key"),
    certFile: join(dir, "server.crt"),
  };
}

/** Where and how the test S3 server (test/support/s3-server.ts) runs. */
export interface S3ServerOptions {
  port: number;
  dataDir: string;
  keyFile: string;
  certFile: string;
  bucket: string;
  address?: string;
  /** The keys and their IAM policies (iamGrants), as a JSON file: the front enforces them. */
  grantsFile: string;
  /** The interpreter and script; by default the project's node running the TypeScript. */
  program?: string[];
}

/** The command that runs the test S3 server. */
export function s3ServerCommand(options: S3ServerOptions): string[] {
  const program = options.program ?? [
    projectPath("node_modules", ".bin", "node"),
    projectPath("test", "support", "s3-server.ts"),
  ];
  return program.concat([
    String(options.port),
    options.dataDir,
    options.keyFile,
    options.certFile,
    options.bucket,
    options.address ?? "127.0.0.1",
    options.grantsFile,
  ]);
}

/**
 * The test S3 server as one JavaScript file with its dependencies, for a pod of the local
 * cluster runner: a pod sees the host's root filesystem but its own /tmp, so a checkout
 * under /tmp is invisible to it. It runs on the machine's own Node.js (20 or newer).
 */
export function bundledS3Server(): string {
  return execFileSync(
    projectPath("node_modules", ".bin", "esbuild"),
    [
      projectPath("test", "support", "s3-server.ts"),
      "--bundle",
      "--platform=node",
      "--target=node20",
      "--format=esm",
      "--log-level=warning",
      "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    ],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
}

/** The machine's own node, outside any checkout (what a runner pod can run). */
export function systemNode(): string {
  const found = ["/usr/local/bin/node", "/usr/bin/node"].find((path) => existsSync(path));
  if (!found) throw new Error("no node in /usr/local/bin or /usr/bin for the S3 server's pod");
  return found;
}

export class S3Server {
  readonly dir: string;
  readonly port: number;
  readonly bucket: string;
  /** The name pgBackRest connects to, which the certificate names. */
  readonly host = "localhost";
  readonly caFile: string;
  readonly dataDir: string;
  readonly grantsFile: string;
  /** The front's refusals so far: `denied KEY ACTION RESOURCE`. */
  readonly denials: string[] = [];
  private process: ChildProcess | undefined;
  private tls!: TestCertificates;

  private constructor(dir: string, port: number, bucket: string) {
    this.dir = dir;
    this.port = port;
    this.bucket = bucket;
    this.caFile = join(dir, "ca.crt"); // written by makeTestCertificates
    this.dataDir = join(dir, "data");
    this.grantsFile = join(dir, "grants.json");
  }

  /** A CA, a server certificate for localhost signed by it, and the server, running. */
  static async start(bucket = "mcpgov-backups"): Promise<S3Server> {
    const server = new S3Server(makeServiceDir("mcpgov-backup-s3"), await freePort(), bucket);
    remember(server);
    server.tls = makeTestCertificates(server.dir, [server.host]);
    makeServiceSubdir(server.dataDir);
    writeFileSync(server.grantsFile, JSON.stringify(iamGrants(bucket)));
    await server.resume();
    return server;
  }

  /** Starts the server (again) on the same port and data. */
  async resume(): Promise<void> {
    const [node, ...args] = s3ServerCommand({
      port: this.port,
      dataDir: this.dataDir,
      keyFile: this.tls.keyFile,
      certFile: this.tls.certFile,
      bucket: this.bucket,
      grantsFile: this.grantsFile,
    });
    const child = spawn(node as string, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.process = child;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (chunk) => {
        output += chunk;
        if (output.includes("ready")) resolve();
        for (const line of String(chunk).split("\n"))
          if (line.startsWith("denied ")) this.denials.push(line);
      });
      child.stderr?.on("data", (chunk) => (output += chunk));
      child.on("exit", (code) => reject(new Error(`the S3 server exited (${code}):\n${output}`)));
    });
  }

  /** Stops the server: pgBackRest's requests to it fail until resume(). */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    // The start-up listener would report this exit as a failure to start.
    child.removeAllListeners("exit");
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    this.process = undefined;
  }

  /** Every object in the bucket: its key and its bytes' path on disk. */
  objects(): { key: string; path: string }[] {
    const found: { key: string; path: string }[] = [];
    const bucketDir = join(this.dataDir, this.bucket);
    const walk = (path: string, key: string) => {
      for (const entry of readdirSync(path)) {
        const full = join(path, entry);
        if (statSync(full).isDirectory()) walk(full, `${key}${entry}/`);
        // s3rver keeps each object as <key>._S3rver_object beside its metadata.
        else if (entry.endsWith("._S3rver_object"))
          found.push({ key: `${key}${entry.slice(0, -"._S3rver_object".length)}`, path: full });
      }
    };
    walk(bucketDir, "");
    return found;
  }

  async destroy(): Promise<void> {
    await this.stop();
    removeServiceDir(this.dir);
    forget(this);
  }
}
