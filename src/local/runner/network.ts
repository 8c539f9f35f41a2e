// Pod networking for the local runner: every pod gets a network namespace of its own,
// joined by a veth pair to a bridge that lives in a hub namespace the runner also made.
// Nothing touches the host's own network namespace, so pods reach only each other.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { IngressAllow } from "./network-policy.ts";

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

/**
 * Ingress filtering by policy routing, which needs nothing beyond iproute2 (this kernel
 * has no tc classifiers, the machine no nft): the lookup of the local table, which
 * delivers packets to the pod, moves behind rules that admit the allowed sources and
 * ports and then refuse TCP to every port outside the ephemeral range. Those rules have no
 * connection state, so replies to the pod's own connections, which arrive on its
 * ephemeral ports (32768-60999, a new namespace's default), pass. Traffic from the pod
 * itself (probes, loopback) never arrives on eth0 and always passes. UDP is not filtered.
 */
const LOCAL_PREF = 32_000;
// The kernel's rules cannot name port 65535: it stays open.
const DENY = ["1-32767", "61000-65534"];
const DENY_PREF = 31_000;
/** Two blocks of preferences, used in turn, so that new rules are in place before the old go. */
const ALLOW_PREFS = [1_000, 11_000];

interface IngressState {
  block: number;
  rules: string[][];
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
  /** The admitting rules in force in each isolated pod's namespace. */
  private readonly ingress = new Map<string, IngressState>();

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
    this.ingress.delete(pod.netns);
    await ip("netns", "del", pod.netns).catch(() => {});
  }

  /** What the pod accepts over eth0: everything (undefined) or only what `allows` lists. */
  async setIngress(pod: PodNetwork, allows: IngressAllow[] | undefined): Promise<void> {
    const netns = pod.netns;
    const current = this.ingress.get(netns);
    if (!allows) {
      if (!current) return;
      await ip("-n", netns, "rule", "add", "pref", "0", "lookup", "local");
      for (const rule of [...current.rules, ...denyRules()])
        await ip("-n", netns, "rule", "del", ...rule);
      await ip("-n", netns, "rule", "del", "pref", String(LOCAL_PREF), "lookup", "local");
      this.ingress.delete(netns);
      return;
    }
    const block = current ? 1 - current.block : 0;
    const rules = allows.map((allow, i) => [
      "pref",
      String((ALLOW_PREFS[block] ?? 0) + i),
      "iif",
      "eth0",
      ...(allow.from ? ["from", `${allow.from}/32`] : []),
      ...(allow.port ? ["ipproto", "tcp", "dport", String(allow.port)] : []),
      "lookup",
      "local",
    ]);
    if (
      current &&
      JSON.stringify(current.rules.map((r) => r.slice(2))) ===
        JSON.stringify(rules.map((r) => r.slice(2)))
    )
      return;
    for (const rule of rules) await ip("-n", netns, "rule", "add", ...rule);
    if (current) {
      for (const rule of current.rules) await ip("-n", netns, "rule", "del", ...rule);
    } else {
      for (const rule of denyRules()) await ip("-n", netns, "rule", "add", ...rule);
      await ip("-n", netns, "rule", "add", "pref", String(LOCAL_PREF), "lookup", "local");
      await ip("-n", netns, "rule", "del", "pref", "0", "lookup", "local");
    }
    this.ingress.set(netns, { block, rules });
  }

  async destroy(): Promise<void> {
    await ip("netns", "del", this.hub).catch(() => {});
  }
}

function denyRules(): string[][] {
  return DENY.map((ports, i) => [
    "pref",
    String(DENY_PREF + i),
    "iif",
    "eth0",
    "ipproto",
    "tcp",
    "dport",
    ports,
    "prohibit",
  ]);
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
