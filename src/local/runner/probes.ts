// One readiness or liveness probe of a local pod's container, as the kubelet runs it:
// exec in the container, or a TCP connection to the pod's address.
import type { V1Container, V1Probe } from "@kubernetes/client-node";
import type { ExecResult } from "../../core/cluster.ts";
import { run } from "./process.ts";

export interface ProbeTarget {
  container: V1Container;
  netns: string;
  address: string;
  exec(command: string[], timeoutMs: number): Promise<ExecResult>;
}

export async function probeOnce(target: ProbeTarget, probe: V1Probe): Promise<boolean> {
  const timeout = (probe.timeoutSeconds ?? 1) * 1000 + 2000;
  if (probe.exec?.command) {
    const result = await target.exec(probe.exec.command, timeout);
    return result.code === 0;
  }
  if (probe.tcpSocket) {
    const port = portNumber(target.container, probe.tcpSocket.port);
    const connect = `exec 3<>/dev/tcp/${target.address}/${port}`;
    const result = await run(
      ["ip", "netns", "exec", target.netns, "bash", "-c", connect],
      {},
      timeout,
    );
    return result.code === 0;
  }
  throw new Error(
    `container ${target.container.name}: a probe needs exec or tcpSocket in the local runner`,
  );
}

function portNumber(container: V1Container, port: number | string): number {
  if (typeof port === "number") return port;
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`container ${container.name} has no port named "${port}"`);
  return named.containerPort;
}
