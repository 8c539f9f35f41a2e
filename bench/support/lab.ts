// The bench's workbench: every PostgreSQL host and directory a suite makes is removed at
// the end (also after a failure or Ctrl-C; the hosts remember what they made); progress goes to stderr
// with the time since the start; timed runs can start with a cold page cache.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import {
  destroyStarted,
  makeServiceDir,
  removeServiceDir,
  removeServiceDirs,
} from "../../src/local/host.ts";
import { PgHost } from "../../src/local/lab/pg-host.ts";
import { removeStage } from "../../src/local/lab/stage.ts";
import { Steps } from "../../src/local/steps.ts";

export interface LabOptions {
  manifestsDir: string;
  /** Size of the generated database, GiB. */
  sizeGb: number;
  /** The database sizes the scaling suite measures, GiB, smallest first. */
  sizesGb?: number[];
  /** Drop the page cache before each timed backup, restore and read (root only). */
  coldCache: boolean;
  /** Scaling sizes measured in a memory cgroup smaller than the database, GiB → limit in bytes. */
  memoryLimits?: Record<number, number>;
  signal?: AbortSignal;
}

export class Lab {
  readonly manifestsDir: string;
  readonly sizeGb: number;
  readonly sizesGb: number[];
  readonly coldCache: boolean;
  readonly signal: AbortSignal | undefined;
  private readonly memoryLimits: Record<number, number>;
  private readonly started = performance.now();
  private readonly steps: Steps;
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(options: LabOptions) {
    this.manifestsDir = options.manifestsDir;
    this.sizeGb = options.sizeGb;
    this.sizesGb = options.sizesGb ?? [options.sizeGb];
    this.coldCache = options.coldCache;
    this.memoryLimits = options.memoryLimits ?? {};
    this.signal = options.signal;
    this.steps = new Steps((line) => this.log(line), options.signal);
  }

  /** The memory cgroup limit the scaling suite runs `sizeGb` in, if it is a size beyond memory. */
  memoryLimitBytes(sizeGb: number): number | undefined {
    return this.memoryLimits[sizeGb];
  }

  /** A progress line on stderr, prefixed with the time since the start. */
  log(line: string): void {
    const seconds = Math.round((performance.now() - this.started) / 1000);
    const stamp = `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
    process.stderr.write(`[${stamp.padStart(6)}] ${line}\n`);
  }

  /** A named step: logged when it starts and with its duration when it ends; stops here on Ctrl-C. */
  step<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.steps.run(name, work);
  }

  /** Computes `make` once per run: what several suites need (the database, a full backup). */
  once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let value = this.memo.get(key) as Promise<T> | undefined;
    if (!value) {
      value = make();
      this.memo.set(key, value);
      // A failure is not remembered: the next suite that needs it tries again.
      value.catch(() => this.memo.delete(key));
    }
    return value;
  }

  /** Whether `key` was computed (or is being computed) in this run. */
  has(key: string): boolean {
    return this.memo.has(key);
  }

  /** A PostgreSQL host configured from the manifests, removed by dispose(). */
  host(options: { repoPath?: string; env?: Record<string, string> } = {}): Promise<PgHost> {
    return PgHost.create({ manifestsDir: this.manifestsDir, ...options });
  }

  async drop(host: PgHost): Promise<void> {
    await host.destroy();
  }

  /** A directory owned by the postgres user, removed by dispose(). */
  dir(prefix: string): string {
    return makeServiceDir(`mcpgov-backup-bench-${prefix}`);
  }

  removeDir(dir: string): void {
    removeServiceDir(dir);
  }

  /** Writes dirty pages and empties the page cache, so the next run reads from the disk. */
  dropCaches(): void {
    if (!this.coldCache) return;
    execFileSync("sync");
    writeFileSync("/proc/sys/vm/drop_caches", "3");
  }

  /**
   * The last resort when the process exits without dispose() (a crash): stop the servers
   * at once and remove the directories, synchronously, as an exit handler must.
   */
  disposeSync(): void {
    PgHost.destroyAllSync();
    removeServiceDirs();
    removeStage();
  }

  /** Stops every server and removes every directory this run made. */
  async dispose(): Promise<void> {
    await destroyStarted().catch((error: Error) => this.log(error.message));
    removeStage();
  }
}
