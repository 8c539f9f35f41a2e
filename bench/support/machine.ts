// What the figures were measured on, for the report's header.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { postgresBinDir } from "../../src/local/host.ts";

export interface Machine {
  date: string;
  os: string;
  cpu: string;
  cores: number;
  ramGiB: number;
  /** The file system the hosts' directories live on. */
  disk: string;
  postgresql: string;
  pgbackrest: string;
  node: string;
}

function output(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "unknown";
  }
}

export function machine(): Machine {
  const release = readFileSync("/etc/os-release", "utf8");
  const df =
    output("df", ["-h", "--output=source,fstype,size,avail", tmpdir()]).split("\n")[1] ?? "";
  const [device = "", fstype = "", size = "", avail = ""] = df.trim().split(/\s+/);
  const block = device.replace(/^\/dev\//, "").replace(/[0-9]+$/, "");
  const rotational = output("cat", [`/sys/block/${block}/queue/rotational`]);
  const kind =
    rotational === "0" ? "non-rotational" : rotational === "1" ? "reported rotational" : "disk";
  return {
    date: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    os: /^PRETTY_NAME="?([^"\n]+)/m.exec(release)?.[1] ?? "Linux",
    cpu: cpus()[0]?.model ?? "unknown",
    cores: availableParallelism(),
    ramGiB: Math.round(totalmem() / 2 ** 30),
    disk: `${device} (${kind}), ${fstype}, ${size} with ${avail} free`,
    postgresql: output(join(postgresBinDir(), "postgres"), ["--version"]),
    pgbackrest: output("pgbackrest", ["version"]),
    node: process.version,
  };
}
