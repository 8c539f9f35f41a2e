// Pod networking for the local runner: every pod gets a network namespace of its own,
// joined by a veth pair to a bridge that lives in a hub namespace the runner also made.
// Nothing touches the host's own network namespace, so pods reach only each other.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Prefix of every namespace the runner makes; the runner's PID follows, for clean-up after a crash. */
export const NETNS_PREFIX = "mcpgov-";
const SUBNET = "10.244";

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
  /**
   * Never reused: a deleted namespace lives on while any process still holds it (a probe
   * that has not timed out yet), and so do its veth pair and its name in the hub.
   */
  private nextHost = 2;

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
    const host = this.nextHost++;
    if (host > 65_000)
      throw new Error(
        "the local runner's pod network is used up (65,000 pods); start a new cluster",
      );
    const netns = `${NETNS_PREFIX}${this.owner}-${host}`;
    // The veth's end in the hub is named there only, and the hub is this cluster's own.
    const veth = `veth${host}`;
    const address = `${SUBNET}.${host >> 8}.${host & 255}`;
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
    await ip("-n", netns, "addr", "add", `${address}/16`, "dev", "eth0");
    await ip("-n", netns, "link", "set", "eth0", "up");
    await ip("-n", netns, "link", "set", "lo", "up");
    return { netns, address };
  }

  async removePod(pod: PodNetwork): Promise<void> {
    await ip("netns", "del", pod.netns).catch(() => {});
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
