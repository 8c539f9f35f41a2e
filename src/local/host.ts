// The local machine as a pgBackRest host. PostgreSQL and pgBackRest refuse to run as
// root, so this process runs as root and starts every command as the postgres user
// (runuser), and what it creates for them belongs to postgres.
import { execFileSync, spawn } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Resolve instead of throwing when the command exits non-zero. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Local hosts start processes as the postgres user, which needs root. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "the local hosts run PostgreSQL and pgBackRest as the postgres user, which needs root: run again as root or with sudo",
    );
  }
}

/** The postgres user, who owns everything the local hosts create. */
export function serviceUser(): { uid: number; gid: number } {
  const entry = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .find((fields) => fields[0] === "postgres");
  if (!entry)
    throw new Error("no postgres user on this machine; run `npm run setup` (installs postgresql)");
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

/** PostgreSQL's bin directory: Debian keeps it out of PATH, under /usr/lib/postgresql/<major>/bin. */
export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors[0] === undefined) {
    throw new Error(
      "PostgreSQL server binaries not found under /usr/lib/postgresql; run `npm run setup` (installs postgresql and pgbackrest)",
    );
  }
  return join(root, majors[0], "bin");
}

/** PATH for a host's processes: PostgreSQL's bin directory first, as in the official image. */
export function hostPath(): string {
  return `${postgresBinDir()}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`;
}

/** Runs argv (no shell) as the postgres user and collects its output. */
export function runAsService(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error("runAsService: empty command");
  const env = { PATH: hostPath(), LANG: "C.UTF-8", ...options.env };
  requireRoot();
  return new Promise((resolve, reject) => {
    const child = spawn("runuser", ["-u", "postgres", "--", command, ...args], {
      env,
      cwd: options.cwd ?? "/",
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", (cause) => reject(new Error(`run ${command}: ${cause.message}`, { cause })));
    child.on("close", (code, signal) => {
      const result = { code: code ?? 128, stdout, stderr };
      if (result.code === 0 || options.allowFailure) return resolve(result);
      const why = signal ? `killed by ${signal}` : `exit code ${code}`;
      reject(new Error(`${argv.join(" ")}: ${why}\n${tail(stderr || stdout)}`));
    });
  });
}

/** Directories makeServiceDir made in this process that nobody has removed yet. */
const serviceDirs = new Set<string>();

/** A fresh directory owned by the postgres user; removeServiceDirs() removes what is left. */
export function makeServiceDir(prefix: string): string {
  requireRoot();
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const { uid, gid } = serviceUser();
  chownSync(dir, uid, gid);
  serviceDirs.add(dir);
  return dir;
}

/** What is mounted at or under `dir`, deepest first (/proc/self/mounts escapes a space as \040). */
export function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) =>
      (line.split(" ")[1] ?? "").replace(/\\([0-7]{3})/g, (_, octal: string) =>
        String.fromCharCode(Number.parseInt(octal, 8)),
      ),
    )
    .filter((path) => path === dir || path.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts whatever a test or a step mounted under `dir` (a tmpfs, say), then removes it. */
export function removeServiceDir(dir: string): void {
  for (const mount of mountsUnder(dir)) execFileSync("umount", ["--lazy", mount]);
  rmSync(dir, { recursive: true, force: true });
  serviceDirs.delete(dir);
}

/** What this process started on the machine (servers with their directories) and must stop. */
export interface Started {
  destroy(): Promise<void>;
}

const started = new Set<Started>();

/** Registers `thing` until forget(); destroyStarted() destroys whatever is still registered. */
export function remember<T extends Started>(thing: T): T {
  started.add(thing);
  return thing;
}

export function forget(thing: Started): void {
  started.delete(thing);
}

/** Everything remembered and not yet forgotten, newest first. */
export function stillStarted(): Started[] {
  return [...started].reverse();
}

/**
 * Destroys, newest first, everything started and not yet destroyed, then removes the
 * directories left: the net under a failed test or step. Every failure is reported.
 */
export async function destroyStarted(): Promise<void> {
  const failures: string[] = [];
  for (const thing of stillStarted()) {
    await thing.destroy().catch((error: Error) => failures.push(error.message));
    forget(thing);
  }
  removeServiceDirs();
  if (failures.length > 0) throw new Error(`clean-up: ${failures.join("; ")}`);
}

/** Removes every directory makeServiceDir made in this process and nobody removed. */
export function removeServiceDirs(): void {
  for (const dir of [...serviceDirs].reverse()) removeServiceDir(dir);
}

/** Writes a file (creating its directory) owned by the postgres user. */
export function writeServiceFile(path: string, content: string, mode = 0o600): void {
  const { uid, gid } = serviceUser();
  makeServiceSubdir(dirname(path));
  writeFileSync(path, content, { mode });
  chownSync(path, uid, gid);
}

/** mkdir -p, with every directory it creates owned by the postgres user. */
export function makeServiceSubdir(dir: string): void {
  const { uid, gid } = serviceUser();
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  for (let d = dir; d.length >= first.length; d = dirname(d)) chownSync(d, uid, gid);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(),
      );
    });
  });
}

export function tail(text: string, lines = 20): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
