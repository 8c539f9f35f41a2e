// A memory cage: a cgroup whose memory limit (page cache included) is smaller than the
// database, so that a database of a few GiB behaves as one whose page cache cannot hold
// it. The bench moves itself and the database's server into it; every process started
// after (pgBackRest, the restore's server, the validation's) inherits it.
// cgroup v2 (a unified hierarchy with the memory controller: memory.max) or v1 (a
// memory hierarchy: memory.limit_in_bytes); the cage is made under the bench's own memory
// cgroup on v1, under the root on v2 (where a cgroup with processes may not have
// children with controllers).
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

const ROOT = "/sys/fs/cgroup";

export interface CageLayout {
  version: 1 | 2;
  /** Where the bench's process belongs now (cgroup.procs is written to go back). */
  home: string;
  /** The cage's directory. */
  cage: string;
  limitFile: string;
}

/** Where the cage goes on this machine, from /proc/self/cgroup; undefined when no memory controller is usable. */
export function cageLayout(
  procSelfCgroup: string,
  v2Controllers: string | undefined,
): CageLayout | undefined {
  const lines = procSelfCgroup.split("\n").filter(Boolean);
  const name = `mcpgov-backup-bench-${process.pid}`;
  const v1 = lines.find((l) => l.split(":")[1]?.split(",").includes("memory"));
  if (v1) {
    const home = join(ROOT, "memory", v1.split(":").slice(2).join(":"));
    return { version: 1, home, cage: join(home, name), limitFile: "memory.limit_in_bytes" };
  }
  const unified = lines.find((l) => l.startsWith("0::"));
  if (unified && v2Controllers?.split(/\s+/).includes("memory"))
    return {
      version: 2,
      home: join(ROOT, unified.slice(3)),
      cage: join(ROOT, name),
      limitFile: "memory.max",
    };
  return undefined;
}

export class MemoryCage {
  readonly layout: CageLayout;
  readonly limitBytes: number;

  private constructor(layout: CageLayout, limitBytes: number) {
    this.layout = layout;
    this.limitBytes = limitBytes;
  }

  /** Makes the cage with its limit; throws when this machine offers no memory cgroup. */
  static create(limitBytes: number): MemoryCage {
    const v2 = join(ROOT, "cgroup.subtree_control");
    const layout = cageLayout(
      readFileSync("/proc/self/cgroup", "utf8"),
      existsSync(v2) ? readFileSync(v2, "utf8") : undefined,
    );
    if (!layout)
      throw new Error(
        "no memory cgroup to limit the page cache: neither a cgroup v1 memory hierarchy nor cgroup v2 with the memory controller in /sys/fs/cgroup/cgroup.subtree_control",
      );
    mkdirSync(layout.cage, { recursive: true });
    writeFileSync(join(layout.cage, layout.limitFile), String(Math.floor(limitBytes)));
    return new MemoryCage(layout, limitBytes);
  }

  /** Moves these processes (with the threads of each) into the cage. */
  enter(pids: number[]): void {
    for (const pid of pids) writeFileSync(join(this.layout.cage, "cgroup.procs"), String(pid));
  }

  /** The most memory the cage's processes held at once (v1), or held now (v2's memory.peak when it exists). */
  peakBytes(): number | undefined {
    const file = this.layout.version === 1 ? "memory.max_usage_in_bytes" : "memory.peak";
    const path = join(this.layout.cage, file);
    return existsSync(path) ? Number(readFileSync(path, "utf8").trim()) : undefined;
  }

  /** Moves every process left in the cage back home and removes the cage. */
  dispose(): void {
    if (!existsSync(this.layout.cage)) return;
    const procs = readFileSync(join(this.layout.cage, "cgroup.procs"), "utf8")
      .split("\n")
      .filter(Boolean);
    for (const pid of procs) {
      try {
        writeFileSync(join(this.layout.home, "cgroup.procs"), pid);
      } catch {
        // It exited meanwhile.
      }
    }
    try {
      rmdirSync(this.layout.cage);
    } catch {
      // A process still exiting holds it: the cage is empty and harmless; the next run's
      // pid names its own.
    }
  }
}

/** The server of PGDATA and every process it started: what the cage must hold. */
export function serverProcesses(pgdata: string): number[] {
  const postmaster = Number(readFileSync(join(pgdata, "postmaster.pid"), "utf8").split("\n")[0]);
  const children = readdirSync(`/proc/${postmaster}/task`).flatMap((task) =>
    readFileSync(`/proc/${postmaster}/task/${task}/children`, "utf8").split(/\s+/).filter(Boolean),
  );
  return [postmaster, ...children.map(Number)];
}
