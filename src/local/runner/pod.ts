// One pod of the local runner: a network namespace of its own, its volumes as
// directories, and each container as a process tree in fresh mount, PID and UTS
// namespaces (launcher.sh), run as the postgres user with the pod's restart policy,
// probes and per-container logs.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type { V1Container, V1PodSpec, V1Probe } from "@kubernetes/client-node";
import type { ExecResult } from "../../core/cluster.ts";
import { containerArgv } from "../../core/manifests/pod.ts";
import { enterArgv, launchArgv, writeContainerSpec } from "./container.ts";
import { expand } from "./env.ts";
import type { PodNetwork } from "./network.ts";
import { probeOnce } from "./probes.ts";
import { type OutputListener, run } from "./process.ts";
import { containerMounts, type Mount } from "./volumes.ts";

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed";

export interface PodSetup {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  spec: V1PodSpec;
  dir: string;
  network: PodNetwork;
  volumes: Map<string, string>;
  /** Environment of each container, already resolved. */
  env: Map<string, Record<string, string>>;
  /** Mounts every container gets from the runner: /etc/hosts, the image stand-ins, the API socket. */
  extraMounts: Mount[];
  /** Host paths no container may see (the runner's state). */
  hide: string[];
  onChange: () => void;
}

interface ContainerState {
  spec: V1Container;
  process?: ChildProcess;
  /** PID of the container's first process (PID 1 in its namespace). */
  initPid?: number;
  restarts: number;
  exitCode?: number;
  ready: boolean;
  log: string;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class LocalPod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly spec: V1PodSpec;
  readonly network: PodNetwork;
  readonly startTime = new Date();
  phase: PodPhase = "Pending";
  private readonly setup: PodSetup;
  private readonly containers = new Map<string, ContainerState>();
  private stopping = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(setup: PodSetup) {
    this.setup = setup;
    this.name = setup.name;
    this.namespace = setup.namespace;
    this.labels = setup.labels;
    this.spec = setup.spec;
    this.network = setup.network;
    for (const c of setup.spec.containers) {
      mkdirSync(join(setup.dir, "logs"), { recursive: true });
      this.containers.set(c.name, {
        spec: c,
        restarts: 0,
        ready: false,
        log: join(setup.dir, "logs", `${c.name}.log`),
      });
    }
  }

  get ready(): boolean {
    return this.phase === "Running" && [...this.containers.values()].every((c) => c.ready);
  }

  get address(): string {
    return this.network.address;
  }

  start(): void {
    this.phase = "Running";
    for (const state of this.containers.values()) this.startContainer(state);
    this.setup.onChange();
  }

  private startContainer(state: ContainerState): void {
    const c = state.spec;
    const env = this.setup.env.get(c.name) ?? {};
    const argv = containerArgv(c).map((arg) => expand(arg, env));
    // No command: the image's entrypoint. The PostgreSQL image's stand-in is installed in every container.
    const command = c.command ? argv : ["docker-entrypoint.sh", ...argv];
    const specDir = join(this.setup.dir, "containers", `${c.name}-${state.restarts}`);
    writeContainerSpec(specDir, {
      mounts: [...this.setup.extraMounts, ...containerMounts(c, this.spec, this.setup.volumes)],
      hide: this.setup.hide,
      hostname: this.name,
      container: c,
    });
    const log = createWriteStream(state.log, { flags: "a" });
    const [program, ...args] = launchArgv(this.network.netns, specDir, command);
    const child = spawn(program as string, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    state.process = child;
    state.exitCode = undefined;
    state.initPid = undefined;
    this.watchStart(state, specDir);
    child.on("close", (code, signal) => {
      log.end();
      state.process = undefined;
      state.initPid = undefined;
      state.ready = false;
      state.exitCode = code ?? (signal ? 128 + 9 : 1);
      this.containerExited(state);
    });
  }

  /** Finds the container's PID 1 once the launcher has built its filesystem, then starts the probes. */
  private watchStart(state: ContainerState, specDir: string): void {
    const child = state.process;
    const poll = setInterval(() => {
      if (!child || state.process !== child) return clearInterval(poll);
      if (!existsSync(join(specDir, "started"))) return;
      const pid = child.pid;
      const init =
        pid &&
        Number(readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")[0]);
      if (!init) return;
      try {
        // After the launcher's chroot, the process's root is the container's filesystem.
        if (readlinkSync(`/proc/${init}/root`) === "/") return;
      } catch {
        return;
      }
      clearInterval(poll);
      state.initPid = init;
      this.startProbes(state);
    }, 20);
    this.timers.add(poll);
  }

  private startProbes(state: ContainerState): void {
    const readiness = state.spec.readinessProbe;
    const liveness = state.spec.livenessProbe;
    if (!readiness) {
      state.ready = true;
      this.setup.onChange();
    } else {
      this.probeLoop(state, readiness, (ok) => {
        if (ok !== state.ready) {
          state.ready = ok;
          this.setup.onChange();
        }
      });
    }
    if (liveness) {
      this.probeLoop(state, liveness, (ok) => {
        // Failed liveness: kill the container; the restart policy brings it back.
        if (!ok && state.initPid) this.killTree(state, "SIGKILL");
      });
    }
  }

  private probeLoop(state: ContainerState, probe: V1Probe, report: (ok: boolean) => void): void {
    const process = state.process;
    const period = (probe.periodSeconds ?? 10) * 1000;
    const threshold = probe.failureThreshold ?? 3;
    let failures = 0;
    const tick = async () => {
      if (this.stopping || state.process !== process) return;
      const target = {
        container: state.spec,
        netns: this.network.netns,
        address: this.address,
        exec: (command: string[], timeoutMs: number) =>
          this.exec(state.spec.name, command, timeoutMs),
      };
      const ok = await probeOnce(target, probe).catch(() => false);
      failures = ok ? 0 : failures + 1;
      if (ok || failures >= threshold) report(ok);
      const timer = setTimeout(tick, period);
      this.timers.add(timer);
    };
    const first = setTimeout(tick, (probe.initialDelaySeconds ?? 0) * 1000);
    this.timers.add(first);
  }

  private containerExited(state: ContainerState): void {
    const policy = this.spec.restartPolicy ?? "Always";
    const restart =
      !this.stopping && (policy === "Always" || (policy === "OnFailure" && state.exitCode !== 0));
    if (restart) {
      // Back off like the kubelet: 1 s, 2 s, 4 s ... up to 30 s.
      const wait = Math.min(30_000, 1000 * 2 ** Math.min(state.restarts, 5));
      state.restarts++;
      const timer = setTimeout(() => {
        if (!this.stopping) this.startContainer(state);
      }, wait);
      this.timers.add(timer);
    } else if (
      [...this.containers.values()].every(
        (c) => c.process === undefined && c.exitCode !== undefined,
      )
    ) {
      if (!this.stopping || this.phase === "Running") {
        this.phase = [...this.containers.values()].every((c) => c.exitCode === 0)
          ? "Succeeded"
          : "Failed";
      }
    }
    this.setup.onChange();
  }

  /** Runs a command in a running container: its namespaces, root, user and environment. */
  async exec(
    container: string,
    command: string[],
    timeoutMs = 0,
    onOutput?: OutputListener,
  ): Promise<ExecResult> {
    const state = this.containers.get(container);
    if (!state) throw new Error(`pod ${this.name} has no container "${container}"`);
    const deadline = Date.now() + 30_000;
    while (!state.initPid) {
      if (!state.process || Date.now() > deadline)
        throw new Error(`container ${container} of pod ${this.name} is not running`);
      await delay(50);
    }
    const env = this.setup.env.get(container) ?? {};
    const workdir = state.spec.workingDir ?? "/";
    return run(enterArgv(state.initPid, workdir, command), env, timeoutMs, onOutput);
  }

  private killTree(state: ContainerState, signal: NodeJS.Signals): void {
    // The container's PID 1: signalling it from outside reaches it whether or not it handles the signal.
    const target = state.initPid ?? state.process?.pid;
    if (target) {
      try {
        process.kill(target, signal);
      } catch {}
    }
  }

  /** SIGTERM to every container, SIGKILL after the grace period. */
  async stop(graceMs?: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    const grace = graceMs ?? (this.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const running = () => [...this.containers.values()].filter((c) => c.process);
    for (const state of running()) this.killTree(state, "SIGTERM");
    const deadline = Date.now() + grace;
    while (running().length > 0 && Date.now() < deadline) await delay(50);
    for (const state of running()) {
      this.killTree(state, "SIGKILL");
      state.process?.kill("SIGKILL");
    }
    while (running().length > 0) await delay(20);
  }

  logs(container?: string): string {
    const state = container
      ? this.containers.get(container)
      : this.containers.values().next().value;
    if (!state) throw new Error(`pod ${this.name} has no container "${container}"`);
    return existsSync(state.log) ? readFileSync(state.log, "utf8") : "";
  }

  /** "name: running|exited (exit code N), restarts R" for each container. */
  containerStates(): { name: string; state: string; restarts: number }[] {
    return [...this.containers.values()].map((c) => ({
      name: c.spec.name,
      state: c.process
        ? "running"
        : c.exitCode === undefined
          ? "waiting"
          : `terminated (exit code ${c.exitCode})`,
      restarts: c.restarts,
    }));
  }

  containerNames(): string[] {
    return [...this.containers.keys()];
  }
}

/** Receives a command's output as it comes, for progress on long work. */
