// Pods that waiting will not bring up: an image that cannot be pulled, a container that
// keeps crashing, a pod no node will take (an unbound claim among the reasons). A wait
// that sees one stops at once and says which pod, in which state, and what its last events
// say, instead of spending its whole timeout and saying only "timed out". A pod no node
// takes yet is waited for when the cluster autoscaler said it is adding one.
import type * as k8s from "@kubernetes/client-node";
import { UserError } from "../user-error.ts";
import type { Read } from "./describe.ts";

/** Container waiting reasons that do not end by themselves. */
const STUCK_WAITING = ["ImagePullBackOff", "InvalidImageName", "CrashLoopBackOff"];

/** Events shown with a stuck pod: the last few say why. */
const EVENTS_SHOWN = 5;

export interface StuckPod {
  pod: string;
  /** What keeps it from coming up: "container pgbackrest: ImagePullBackOff (…)". */
  state: string;
  /** No node takes it: a node the autoscaler adds may still do. */
  unscheduled?: boolean;
}

/** The cluster autoscaler's event on a pod it is adding a node for. */
const SCALING_UP = "TriggeredScaleUp";

/** The first pod among these that waiting will not bring up, if any. */
export function stuckPod(pods: k8s.V1Pod[]): StuckPod | undefined {
  for (const pod of pods) {
    const name = pod.metadata?.name ?? "?";
    const statuses = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ];
    for (const container of statuses) {
      const waiting = container.state?.waiting;
      if (waiting?.reason && STUCK_WAITING.includes(waiting.reason))
        return {
          pod: name,
          state: `container ${container.name}: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ""}`,
        };
    }
    const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (scheduled?.status === "False" && scheduled.reason === "Unschedulable")
      return {
        pod: name,
        state: `unschedulable: ${scheduled.message ?? "no node takes it"}`,
        unscheduled: true,
      };
  }
  return undefined;
}

/** A wait stopped early: the pod, its state and its last events, for the person to act on. */
export class PodStuckError extends UserError {
  readonly stuck: StuckPod;
  constructor(what: string, stuck: StuckPod, events: string[]) {
    super(
      `${what}: pod ${stuck.pod} cannot come up, ${stuck.state}${events.length ? `; its last events: ${events.join("; ")}` : ""}. Waiting longer will not help: fix the image, the pull secret, the crash or the claim, then run it again.`,
    );
    this.name = "PodStuckError";
    this.stuck = stuck;
  }
}

/** Throws PodStuckError when one of the pods is stuck, with its last events. */
export async function failIfStuck(
  core: k8s.CoreV1Api,
  read: Read,
  namespace: string,
  pods: k8s.V1Pod[],
  what: string,
): Promise<void> {
  const stuck = stuckPod(pods);
  if (!stuck) return;
  const fieldSelector = `involvedObject.kind=Pod,involvedObject.name=${stuck.pod}`;
  const events = await read(`list the events of pod/${stuck.pod}`, () =>
    core.listNamespacedEvent({ namespace, fieldSelector }),
  ).catch(() => ({ items: [] as k8s.CoreV1Event[] }));
  if (stuck.unscheduled && events.items.some((e) => e.reason === SCALING_UP)) return;
  const lines = events.items
    .slice(-EVENTS_SHOWN)
    .map((e) => `${e.type ?? ""} ${e.reason ?? ""}: ${e.message ?? ""}`.trim());
  throw new PodStuckError(what, stuck, lines);
}
