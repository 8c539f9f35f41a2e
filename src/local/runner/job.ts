// A Job on the local runner: runs its pod to completion (once the claims it mounts exist,
// as a pod stays Pending until then), starts a new pod after a failure until backoffLimit
// is exceeded, fails the Job when activeDeadlineSeconds passes, and removes it
// ttlSecondsAfterFinished after it ended (that time may change, the rest not), as the TTL
// controller does.
import { randomBytes } from "node:crypto";
import type { V1PodSpec } from "@kubernetes/client-node";
import type { JobResult, KubeObject } from "../../core/cluster.ts";
import { endedConditions } from "../../core/names/kinds.ts";
import type { LocalPod } from "./pod.ts";

/** What a Job needs from the cluster that runs it. */
export interface JobHost {
  startPod(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    spec: V1PodSpec,
    owner: string,
  ): Promise<LocalPod>;
  stopPod(namespace: string, name: string): Promise<void>;
  changed(): void;
  /** Whether the namespace has the PersistentVolumeClaim (a pod waits for its claims). */
  hasClaim(namespace: string, name: string): boolean;
  /** Deletes the Job, its time after finishing (ttlSecondsAfterFinished) over. */
  expire(): Promise<void>;
}

interface JobSpec {
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  template: { metadata?: { labels?: Record<string, string> }; spec: V1PodSpec };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class LocalJob {
  readonly object: KubeObject;
  readonly pods: LocalPod[] = [];
  result: JobResult | undefined;
  private failures = 0;
  private stopped = false;
  private deadline: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private readonly host: JobHost;

  constructor(object: KubeObject, host: JobHost) {
    this.object = object;
    this.host = host;
  }

  private get spec(): JobSpec {
    return this.object.spec as JobSpec;
  }

  private get namespace(): string {
    return this.object.metadata.namespace ?? "default";
  }

  async start(): Promise<void> {
    const seconds = this.spec.activeDeadlineSeconds;
    if (seconds) {
      this.deadline = setTimeout(
        () => void this.fail("DeadlineExceeded", "Job was active longer than specified deadline"),
        seconds * 1000,
      );
    }
    await this.runPod();
  }

  private async runPod(): Promise<void> {
    if (this.stopped || this.result) return;
    const claims = (this.spec.template.spec.volumes ?? []).flatMap((v) =>
      v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [],
    );
    if (claims.some((claim) => !this.host.hasClaim(this.namespace, claim))) {
      // Pending: the pod starts once its claims are made.
      this.pending = setTimeout(() => void this.runPod(), 500);
      return;
    }
    const name = this.object.metadata.name;
    const labels = { ...this.spec.template.metadata?.labels, "job-name": name };
    const suffix = randomBytes(3).toString("hex").slice(0, 5);
    const pod = await this.host.startPod(
      this.namespace,
      `${name}-${suffix}`,
      labels,
      this.spec.template.spec,
      `Job/${name}`,
    );
    this.pods.push(pod);
    const watch = setInterval(() => {
      if (pod.phase !== "Succeeded" && pod.phase !== "Failed") return;
      clearInterval(watch);
      void this.podFinished(pod);
    }, 100);
  }

  private async podFinished(pod: LocalPod): Promise<void> {
    if (this.stopped || this.result) return;
    if (pod.phase === "Succeeded") {
      this.finish({ outcome: "Complete" });
      return;
    }
    this.failures++;
    if (this.failures > (this.spec.backoffLimit ?? 6)) {
      await this.fail("BackoffLimitExceeded", "Job has reached the specified backoff limit");
      return;
    }
    // Back off before the next pod, as the Job controller does: 1 s, 2 s, 4 s ... up to 10 s here.
    await delay(Math.min(10_000, 1000 * 2 ** (this.failures - 1)));
    await this.runPod();
  }

  private async fail(reason: string, message: string): Promise<void> {
    if (this.result) return;
    this.finish({ outcome: "Failed", reason, message });
    for (const pod of this.pods)
      if (pod.phase === "Running") await this.host.stopPod(this.namespace, pod.name);
  }

  private finish(result: Omit<JobResult, "name">): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.result = {
      name: this.object.metadata.name,
      startTime: this.object.metadata.creationTimestamp,
      completionTime: new Date().toISOString(),
      ...result,
    };
    this.expireInTime();
    this.host.changed();
  }

  /** Removes the Job ttlSecondsAfterFinished after it ended, counted from its end. */
  private expireInTime(): void {
    if (this.expiry) clearTimeout(this.expiry);
    const ttl = this.spec.ttlSecondsAfterFinished;
    if (ttl === undefined || !this.result) return;
    const ended = Date.parse(this.result.completionTime ?? "");
    this.expiry = setTimeout(() => void this.host.expire(), ended + ttl * 1000 - Date.now());
    // A Job waiting to expire keeps no process alive.
    this.expiry.unref();
  }

  /**
   * A new ttlSecondsAfterFinished (`kubectl patch`: unlike its pod template, it may change),
   * counted from the Job's end, as the TTL controller does.
   */
  keepFor(seconds: number | undefined): void {
    this.spec.ttlSecondsAfterFinished = seconds;
    this.expireInTime();
  }

  /** Ends the Job for good (deleted, or the cluster shuts down): no new pods, its pods stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.deadline) clearTimeout(this.deadline);
    if (this.pending) clearTimeout(this.pending);
    if (this.expiry) clearTimeout(this.expiry);
    for (const pod of this.pods) await this.host.stopPod(this.namespace, pod.name);
  }

  /** The Job's status as the Kubernetes API shows it. */
  status(): object {
    const result = this.result;
    return {
      startTime: this.object.metadata.creationTimestamp,
      active: this.pods.filter((p) => p.phase === "Running").length,
      succeeded: this.pods.filter((p) => p.phase === "Succeeded").length,
      failed: this.failures,
      ...(result?.outcome === "Complete" ? { completionTime: result.completionTime } : {}),
      conditions: result ? endedConditions(result.outcome, result.reason, result.message) : [],
    };
  }
}
