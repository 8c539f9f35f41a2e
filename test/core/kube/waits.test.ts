// Waits that stop as soon as waiting cannot help: a pod whose image cannot be pulled, a
// container that keeps crashing, a pod no node takes (an unbound claim among them). The
// wait says which pod, its state and its last events, long before its timeout; a pod that
// is only starting is still waited for. The API is nock: the local runner pulls no images
// and schedules nothing, so these states exist only on Kubernetes.
import { describe, expect, it } from "vitest";
import { KubeCluster } from "../../../src/core/kube/cluster.ts";
import { PodStuckError } from "../../../src/core/kube/stuck.ts";
import { everyAnswerUsed, kubeApi, kubeConfig } from "../../support/kube-api.ts";

const NS = "payments";
/** Far longer than the test may take: a wait that does not stop early fails the test. */
const TIMEOUT_MS = 600_000;

const api = kubeApi;
const cluster = () => new KubeCluster(kubeConfig(NS), { pollMs: 1, retryMs: 1 });

function pod(name: string, status: object) {
  return { metadata: { name }, status: { phase: "Pending", ...status } };
}

const waiting = (reason: string, message: string) => ({
  containerStatuses: [
    {
      name: "pgbackrest",
      ready: false,
      restartCount: 0,
      image: "x",
      imageID: "",
      state: { waiting: { reason, message } },
    },
  ],
});

const unschedulable = {
  conditions: [
    {
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message: "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
    },
  ],
};

function events(podName: string, messages: string[], reason = "Failed") {
  api()
    .get(`/api/v1/namespaces/${NS}/events`)
    .query({ fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${podName}` })
    .reply(200, {
      kind: "EventList",
      items: messages.map((message) => ({
        metadata: { name: "e" },
        involvedObject: { kind: "Pod", name: podName },
        type: "Warning",
        reason,
        message,
      })),
    });
}

everyAnswerUsed();

describe("waiting for pods to be ready", () => {
  const pods = (items: object[]) =>
    api()
      .get(`/api/v1/namespaces/${NS}/pods`)
      .query({ labelSelector: "app=postgres" })
      .reply(200, { kind: "PodList", items });

  it.each([
    [
      "an image that cannot be pulled",
      waiting("ImagePullBackOff", 'Back-off pulling image "registry.example/pg:typo"'),
      /pod postgres-0 cannot come up, container pgbackrest: ImagePullBackOff \(Back-off pulling image "registry\.example\/pg:typo"\)/,
    ],
    [
      "a container that keeps crashing",
      waiting("CrashLoopBackOff", "back-off 40s restarting failed container"),
      /pod postgres-0 cannot come up, container pgbackrest: CrashLoopBackOff/,
    ],
    [
      "a pod no node takes, its claim unbound",
      unschedulable,
      /pod postgres-0 cannot come up, unschedulable: 0\/3 nodes are available: pod has unbound immediate PersistentVolumeClaims/,
    ],
  ])(
    "stops at once on %s, naming the pod, its state and its last events",
    async (_what, status, said) => {
      pods([pod("postgres-0", status)]);
      events("postgres-0", ["pulling the image failed: not found", "still not found"]);
      const wait = cluster().waitForPodsReady(NS, { app: "postgres" }, TIMEOUT_MS);
      await expect(wait).rejects.toBeInstanceOf(PodStuckError);
      await expect(wait).rejects.toThrow(said);
      await expect(wait).rejects.toThrow(
        "its last events: Warning Failed: pulling the image failed: not found; Warning Failed: still not found",
      );
    },
  );

  it("goes on waiting for a pod no node takes yet while the autoscaler adds one", async () => {
    pods([pod("postgres-0", unschedulable)]);
    events("postgres-0", ["pod triggered scale-up: [{pool-1 1->2 (max: 5)}]"], "TriggeredScaleUp");
    pods([
      {
        metadata: { name: "postgres-0" },
        status: { conditions: [{ type: "Ready", status: "True" }] },
      },
    ]);
    await cluster().waitForPodsReady(NS, { app: "postgres" }, TIMEOUT_MS);
  });

  it("goes on waiting for a pod that is only starting", async () => {
    pods([pod("postgres-0", waiting("ContainerCreating", ""))]);
    pods([
      {
        metadata: { name: "postgres-0" },
        status: { conditions: [{ type: "Ready", status: "True" }] },
      },
    ]);
    await cluster().waitForPodsReady(NS, { app: "postgres" }, TIMEOUT_MS);
  });
});

describe("waiting for a Job", () => {
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pgbackrest-action-full-1", namespace: NS },
    status: { active: 1 },
  };

  it("stops at once when the Job's pod cannot pull its image", async () => {
    api().get(`/apis/batch/v1/namespaces/${NS}/jobs/pgbackrest-action-full-1`).reply(200, job);
    api()
      .get(`/api/v1/namespaces/${NS}/pods`)
      .query({ labelSelector: "job-name=pgbackrest-action-full-1" })
      .reply(200, {
        kind: "PodList",
        items: [
          pod("pgbackrest-action-full-1-x7k2p", waiting("ImagePullBackOff", "no pull access")),
        ],
      });
    events("pgbackrest-action-full-1-x7k2p", ["Failed to pull image: pull access denied"]);
    const wait = cluster().waitForJob(NS, "pgbackrest-action-full-1", TIMEOUT_MS);
    await expect(wait).rejects.toThrow(
      /job\/pgbackrest-action-full-1: pod pgbackrest-action-full-1-x7k2p cannot come up, container pgbackrest: ImagePullBackOff \(no pull access\); its last events: Warning Failed: Failed to pull image: pull access denied/,
    );
  });
});
