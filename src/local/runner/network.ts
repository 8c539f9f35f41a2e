// Pod networking for the local runner: every pod gets a network namespace of its own,
// joined by a veth pair to a bridge that lives in a hub namespace the runner also made.
// Nothing touches the host's own network namespace, so pods reach only each other.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Prefix of every namespace the runner makes; the runner's PID follows, for clean-up after a crash. */
export const NETNS_PREFIX = "mcpgov-";
const SUBNET = "10.244.0";

async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run("ip", args);
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(" ")}: ${stderr || (error as Error).message}`);
  }
}

export interface PodNetwork {
  netns: string;
  address: string;
}

/** Clusters started by this process so far: several may run at once (tests). */
let started = 0;

export class Network {
  readonly hub: string;
  private readonly owner: string;
  private nextHost = 2;
  private readonly free: number[] = [];

  private constructor(owner: string) {
    this.owner = owner;
    this.hub = `${NETNS_PREFIX}${owner}-hub`;
  }

  /** The namespaces are named mcpgov-<pid>c<n>-...: the runner's PID tells whether their owner still runs. */
  static async create(): Promise<Network> {
    started++;
    const network = new Network(`${process.pid}c${started}`);
    await ip("netns", "add", network.hub);
    await ip("-n", network.hub, "link", "add", "br0", "type", "bridge");
    await ip("-n", network.hub, "link", "set", "br0", "up");
    return network;
  }

  /** A namespace with loopback and eth0 on the pod network. */
  async addPod(): Promise<PodNetwork> {
    const host = this.free.shift() ?? this.nextHost++;
    if (host > 254) throw new Error("the local runner's pod network is full (253 pods)");
    const netns = `${NETNS_PREFIX}${this.owner}-${host}`;
    // Interface names have at most 15 characters.
    const [pid, cluster] = this.owner.split("c");
    const veth = `mcg${Number(pid) % 10000}c${cluster}v${host}`.slice(0, 15);
    const address = `${SUBNET}.${host}`;
    await ip("netns", "add", netns);
    await ip(
      "-n",
      this.hub,
      "link",
      "add",
      veth,
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      netns,
    );
    await ip("-n", this.hub, "link", "set", veth, "master", "br0", "up");
    await ip("-n", netns, "addr", "add", `${address}/24`, "dev", "eth0");
    await ip("-n", netns, "link", "set", "eth0", "up");
    await ip("-n", netns, "link", "set", "lo", "up");
    return { netns, address };
  }

  async removePod(pod: PodNetwork): Promise<void> {
    await ip("netns", "del", pod.netns).catch(() => {});
    this.free.push(Number(pod.address.split(".").pop()));
  }

  async destroy(): Promise<void> {
    await ip("netns", "del", this.hub).catch(() => {});
  }
}

/** Namespaces left by runners that no longer run (killed, crashed): their processes and the namespaces go. */
export async function removeStaleNamespaces(): Promise<string[]> {
  const removed: string[] = [];
  for (const line of (await ip("netns", "list")).split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const owner = new RegExp(`^${NETNS_PREFIX}(\\d+)c\\d+-`).exec(name)?.[1];
    if (!owner || isAlive(Number(owner))) continue;
    for (const pid of (await ip("netns", "pids", name)).split("\n").filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {}
    }
    await ip("netns", "del", name).catch(() => {});
    removed.push(name);
  }
  return removed;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
