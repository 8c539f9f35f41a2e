// The Kubernetes implementation of the cluster operations, against the API's contract:
// each test answers with the shapes the real API server sends (nock) and checks the
// requests client-node makes: paths, query, content types, bodies.
import { EventEmitter } from "node:events";
import type * as k8s from "@kubernetes/client-node";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { backupJob } from "../../../src/core/backup-job.ts";
import { AlreadyExistsError, ConflictError, describedText } from "../../../src/core/cluster.ts";
import { KubeCluster, type WebSocketHandler } from "../../../src/core/kube/cluster.ts";
import { pauseAfter, retryAfterMs } from "../../../src/core/kube/retry.ts";
import { apiStatus, botJob, everyAnswerUsed, kubeApi, kubeConfig } from "../../support/kube-api.ts";

const NS = "ai-governance";
const config = () => kubeConfig(NS);
const api = kubeApi;
/** The API's answer to listing the pods of the Job manual-full. */
const podsOfManualFull = (items: object[]) =>
  api()
    .get(`/api/v1/namespaces/${NS}/pods`)
    .query({ labelSelector: "job-name=manual-full" })
    .reply(200, { kind: "PodList", items });

// Discovery documents, as the API server serves them, for the groups the tests touch.
const discovery = {
  "/apis/batch/v1": {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: "batch/v1",
    resources: [
      {
        name: "cronjobs",
        singularName: "cronjob",
        namespaced: true,
        kind: "CronJob",
        verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
      },
      {
        name: "jobs",
        singularName: "job",
        namespaced: true,
        kind: "Job",
        verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
      },
    ],
  },
  "/api/v1": {
    kind: "APIResourceList",
    groupVersion: "v1",
    resources: [
      {
        name: "configmaps",
        singularName: "configmap",
        namespaced: true,
        kind: "ConfigMap",
        verbs: ["create", "delete", "get", "list", "patch", "update"],
      },
    ],
  },
};

const cronJob = {
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: {
    name: "pgbackrest-full-backup",
    namespace: NS,
    uid: "5f0c1a43-2f1e-4b6e-9d7b-1c2d3e4f5a6b",
    labels: { app: "pgbackrest" },
  },
  spec: {
    schedule: "0 2 * * *",
    jobTemplate: {
      metadata: { labels: { app: "pgbackrest", "app.kubernetes.io/component": "full-backup" } },
      spec: {
        backoffLimit: 1,
        template: {
          spec: {
            restartPolicy: "Never",
            containers: [{ name: "backup", image: "example/backup:1.0" }],
          },
        },
      },
    },
  },
};

function job(conditions: object[], extra: object = {}) {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "manual-full", namespace: NS },
    status: { startTime: "2026-11-24T02:00:01Z", conditions, ...extra },
  };
}

everyAnswerUsed();

describe("KubeCluster against the Kubernetes API", () => {
  it("applies with server-side apply, field manager mcpgov-backup, forcing conflicts", async () => {
    let sent: unknown;
    api().get("/apis/batch/v1").reply(200, discovery["/apis/batch/v1"]);
    api()
      .matchHeader("content-type", "application/apply-patch+yaml")
      .patch(`/apis/batch/v1/namespaces/${NS}/cronjobs/pgbackrest-full-backup`, (body) => {
        sent = body;
        return true;
      })
      .query({ fieldManager: "mcpgov-backup", force: "true" })
      .reply(200, cronJob);
    await new KubeCluster(config()).apply([cronJob]);
    expect(sent).toMatchObject({
      kind: "CronJob",
      metadata: { name: "pgbackrest-full-backup" },
    });
  });

  it("names the object when an apply is refused", async () => {
    api().get("/api/v1").reply(200, discovery["/api/v1"]);
    api().patch(`/api/v1/namespaces/${NS}/configmaps/pgbackrest-config`).query(true).reply(403, {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      message: 'configmaps "pgbackrest-config" is forbidden',
      reason: "Forbidden",
      code: 403,
    });
    const configMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "pgbackrest-config", namespace: NS },
    };
    await expect(new KubeCluster(config()).apply([configMap])).rejects.toThrow(
      /^apply ConfigMap\/pgbackrest-config: /,
    );
  });

  it("creates a Job from a CronJob as kubectl create job --from=cronjob does, with our annotations", async () => {
    let created: k8s.V1Job | undefined;
    api().get("/apis/batch/v1").reply(200, discovery["/apis/batch/v1"]);
    api()
      .get(`/apis/batch/v1/namespaces/${NS}/cronjobs/pgbackrest-full-backup`)
      .reply(200, cronJob);
    api()
      .post(`/apis/batch/v1/namespaces/${NS}/jobs`, (body) => {
        created = body as k8s.V1Job;
        return true;
      })
      .query({ fieldManager: "mcpgov-backup" })
      .reply(201, {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "manual-full", namespace: NS },
      });
    const cluster = new KubeCluster(config());
    const annotations = { "mcpgov-backup/run-url": "https://github.com/org/ops/actions/runs/1" };
    await cluster.create(await backupJob(cluster, NS, "full", "manual-full", annotations));
    expect(created?.metadata).toEqual({
      name: "manual-full",
      namespace: NS,
      labels: { app: "pgbackrest", "app.kubernetes.io/component": "full-backup" },
      annotations: {
        "cronjob.kubernetes.io/instantiate": "manual",
        "mcpgov-backup/run-url": "https://github.com/org/ops/actions/runs/1",
      },
      ownerReferences: [
        {
          apiVersion: "batch/v1",
          kind: "CronJob",
          name: "pgbackrest-full-backup",
          uid: cronJob.metadata.uid,
          controller: true,
        },
      ],
    });
    expect(created?.spec).toEqual(cronJob.spec.jobTemplate.spec);
  });

  it.each([
    [
      "Complete",
      [{ type: "Complete", status: "True", lastTransitionTime: "2026-11-24T02:04:00Z" }],
      { outcome: "Complete" },
    ],
    [
      "Failed",
      [
        {
          type: "Failed",
          status: "True",
          reason: "BackoffLimitExceeded",
          message: "Job has reached the specified backoff limit",
        },
      ],
      { outcome: "Failed", reason: "BackoffLimitExceeded" },
    ],
  ])("waits for a Job until it is %s", async (_, conditions, expected) => {
    api().get(`/apis/batch/v1/namespaces/${NS}/jobs/manual-full`).reply(200, job([]));
    api().get(`/apis/batch/v1/namespaces/${NS}/jobs/manual-full`).reply(200, job(conditions));
    const result = await new KubeCluster(config(), { pollMs: 1 }).waitForJob(
      NS,
      "manual-full",
      10_000,
    );
    expect(result).toMatchObject({
      name: "manual-full",
      startTime: "2026-11-24T02:00:01.000Z",
      ...expected,
    });
  });

  it("gives up waiting for a Job at the deadline, saying what it waited for", async () => {
    api().get(`/apis/batch/v1/namespaces/${NS}/jobs/manual-full`).times(3).reply(200, job([]));
    const cluster = new KubeCluster(config(), { pollMs: 40 });
    await expect(cluster.waitForJob(NS, "manual-full", 60)).rejects.toThrow(
      "timed out after 0s waiting for job/manual-full to complete",
    );
    nock.cleanAll();
  });

  it("waits until every pod the labels select is Ready", async () => {
    const pod = (ready: string) => ({
      metadata: { name: "postgres-0" },
      status: { conditions: [{ type: "Ready", status: ready }] },
    });
    api()
      .get(`/api/v1/namespaces/${NS}/pods`)
      .query({ labelSelector: "app=postgres" })
      .reply(200, { kind: "PodList", items: [pod("False")] });
    api()
      .get(`/api/v1/namespaces/${NS}/pods`)
      .query({ labelSelector: "app=postgres" })
      .reply(200, { kind: "PodList", items: [pod("True")] });
    await new KubeCluster(config(), { pollMs: 1 }).waitForPodsReady(
      NS,
      { app: "postgres" },
      10_000,
    );
  });

  it("reads the log of a Job's newest pod", async () => {
    const pod = (name: string, created: string) => ({
      metadata: { name, creationTimestamp: created },
    });
    podsOfManualFull([
      pod("manual-full-b", "2026-11-24T02:01:00Z"),
      pod("manual-full-a", "2026-11-24T02:00:00Z"),
    ]);
    api()
      .get(`/api/v1/namespaces/${NS}/pods/manual-full-b/log`)
      .reply(200, "backup command end: completed successfully\n", { "content-type": "text/plain" });
    expect(await new KubeCluster(config()).logs(NS, "job/manual-full")).toBe(
      "backup command end: completed successfully\n",
    );
  });

  it("describes a failed Job: its pods' container states and the events about it", async () => {
    podsOfManualFull([
      {
        metadata: { name: "manual-full-x7k2p" },
        status: {
          phase: "Failed",
          containerStatuses: [
            {
              name: "backup",
              restartCount: 0,
              state: { terminated: { exitCode: 56, reason: "Error" } },
            },
          ],
        },
      },
    ]);
    // The events of the Job and of each of its pods, asked for by field selector: not the
    // namespace's every event.
    const events = (kind: string, name: string, items: object[]) =>
      api()
        .get(`/api/v1/namespaces/${NS}/events`)
        .query({ fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` })
        .reply(200, { kind: "EventList", items });
    events("Job", "manual-full", [
      {
        involvedObject: { kind: "Job", name: "manual-full" },
        type: "Warning",
        reason: "BackoffLimitExceeded",
        message: "Job has reached the specified backoff limit",
      },
    ]);
    events("Pod", "manual-full-x7k2p", []);
    const described = await new KubeCluster(config()).describeJob(NS, "manual-full");
    expect(described).toEqual({
      pods: [
        {
          name: "manual-full-x7k2p",
          phase: "Failed",
          containers: [{ name: "backup", state: "terminated (Error, exit code 56)", restarts: 0 }],
        },
      ],
      events: [
        {
          object: "Job/manual-full",
          type: "Warning",
          reason: "BackoffLimitExceeded",
          message: "Job has reached the specified backoff limit",
        },
      ],
    });
    // As a person reads it in a comment or the job summary.
    expect(describedText("manual-full", described)).toBe(
      [
        "pod manual-full-x7k2p: Failed",
        "  container backup: terminated (Error, exit code 56), restarts 0",
        "event Job/manual-full: Warning BackoffLimitExceeded: Job has reached the specified backoff limit",
      ].join("\n"),
    );
  });

  it("returns undefined for an object that does not exist", async () => {
    api().get("/apis/batch/v1").reply(200, discovery["/apis/batch/v1"]);
    api().get(`/apis/batch/v1/namespaces/${NS}/cronjobs/missing`).reply(404, {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      message: 'cronjobs.batch "missing" not found',
      reason: "NotFound",
      code: 404,
    });
    expect(await new KubeCluster(config()).get("CronJob", NS, "missing")).toBeUndefined();
  });

  it("scales a StatefulSet through its scale subresource with a JSON patch", async () => {
    let sent: unknown;
    api()
      .matchHeader("content-type", "application/json-patch+json")
      .patch(`/apis/apps/v1/namespaces/${NS}/statefulsets/postgres/scale`, (body) => {
        sent = body;
        return true;
      })
      .reply(200, { kind: "Scale", spec: { replicas: 0 } });
    await new KubeCluster(config()).scale(NS, "StatefulSet", "postgres", 0);
    expect(sent).toEqual([{ op: "replace", path: "/spec/replicas", value: 0 }]);
  });

  it("suspends a CronJob with a merge patch of spec.suspend alone", async () => {
    let sent: unknown;
    api()
      .matchHeader("content-type", "application/merge-patch+json")
      .patch(`/apis/batch/v1/namespaces/${NS}/cronjobs/pgbackrest-full-backup`, (body) => {
        sent = body;
        return true;
      })
      .reply(200, cronJob);
    await new KubeCluster(config()).setSuspended(NS, "pgbackrest-full-backup", true);
    expect(sent).toEqual({ spec: { suspend: true } });
  });

  it("deletes a Job with its pods (propagation Background)", async () => {
    api().get("/apis/batch/v1").reply(200, discovery["/apis/batch/v1"]);
    api()
      .delete(`/apis/batch/v1/namespaces/${NS}/jobs/manual-full`)
      .query({ propagationPolicy: "Background" })
      .reply(200, { kind: "Status", status: "Success" });
    await new KubeCluster(config()).delete("Job", NS, "manual-full");
  });

  it.each([
    [
      "passes on output and a success",
      [
        [1, "4\n"],
        [2, "a warning\n"],
        [3, '{"metadata":{},"status":"Success"}'],
      ],
      { code: 0, stdout: "4\n", stderr: "a warning\n" },
    ],
    [
      "takes the exit code from a failure",
      [
        [2, "ERROR: [056]\n"],
        [
          3,
          '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"56"}]}}',
        ],
      ],
      { code: 56, stdout: "", stderr: "ERROR: [056]\n" },
    ],
    [
      "keeps a character whose bytes two frames split (é, ✓) whole",
      [
        [1, Buffer.from("caf\xc3", "latin1")],
        [1, Buffer.from("\xa9 \xe2\x9c", "latin1")],
        [1, Buffer.from("\x93\n", "latin1")],
        [2, Buffer.from("\xe2", "latin1")],
        [2, Buffer.from("\x9c\x93 fertig\n", "latin1")],
        [3, '{"metadata":{},"status":"Success"}'],
      ],
      { code: 0, stdout: "café ✓\n", stderr: "✓ fertig\n" },
    ],
    [
      "reports a connection that closes without a status",
      [[1, "partial"]],
      {
        code: 1,
        stdout: "partial",
        stderr: "the exec connection closed before the command's exit status arrived\n",
      },
    ],
  ])("execs in a container over the API's websocket and %s", async (_, frames, expected) => {
    const paths: string[] = [];
    const handler = {
      connect: async (
        path: string,
        _text: unknown,
        binary: ((stream: number, data: Buffer) => boolean) | null,
      ) => {
        paths.push(path);
        const socket = new EventEmitter();
        setImmediate(() => {
          for (const [stream, data] of frames as [number, string | Buffer][])
            binary?.(stream, Buffer.isBuffer(data) ? data : Buffer.from(data));
          socket.emit("close");
        });
        return socket;
      },
    } as unknown as WebSocketHandler;
    const result = await new KubeCluster(config(), {}, handler).exec(
      { namespace: NS, pod: "postgres-0", container: "postgres" },
      ["psql", "-Atc", "select 2+2"],
    );
    expect(result).toEqual(expected);
    expect(paths).toEqual([
      `/api/v1/namespaces/${NS}/pods/postgres-0/exec?stdout=true&stderr=true&stdin=false&tty=false&command=psql&command=-Atc&command=select%202%2B2&container=postgres`,
    ]);
  });
});

describe("KubeCluster when the API fails for a moment", () => {
  const status = apiStatus;
  const quick = () => new KubeCluster(config(), { retryMs: 1 });
  const newJob = botJob(NS);

  it("reads again after a 503, a 429 and a 504, then returns the answer", async () => {
    const path = `/apis/batch/v1/namespaces/${NS}/cronjobs/pgbackrest-full-backup`;
    api().get("/apis/batch/v1").reply(200, discovery["/apis/batch/v1"]);
    api().get(path).reply(503, status(503, "ServiceUnavailable"));
    api().get(path).reply(429, status(429, "TooManyRequests"));
    api().get(path).reply(504, status(504, "Timeout"));
    api().get(path).reply(200, cronJob);
    const found = await quick().get("CronJob", NS, "pgbackrest-full-backup");
    expect(found?.metadata.name).toBe("pgbackrest-full-backup");
  });

  it("gives up after four attempts and says what it was doing", async () => {
    const path = `/apis/batch/v1/namespaces/${NS}/jobs/manual-full`;
    for (let i = 0; i < 4; i++) api().get(path).reply(500, status(500, "InternalError"));
    await expect(quick().waitForJob(NS, "manual-full", 60_000)).rejects.toThrow(
      /^get job\/manual-full: the Kubernetes API failed 4 times in a row \(.*\); is the API server up and reachable\?$/,
    );
  });

  it("does not repeat a refusal", async () => {
    api()
      .get(`/apis/batch/v1/namespaces/${NS}/jobs/manual-full`)
      .reply(403, status(403, "Forbidden"));
    await expect(quick().waitForJob(NS, "manual-full", 60_000)).rejects.toThrow();
  });

  it("creates one Job when the answer is lost after the API server made it", async () => {
    const jobs = `/apis/batch/v1/namespaces/${NS}/jobs`;
    // A gateway timeout: the API server may well have created the Job.
    api().post(jobs).query(true).reply(504, status(504, "Timeout"));
    api().post(jobs).query(true).reply(409, status(409, "AlreadyExists"));
    api().get("/apis/batch/v1").reply(200, discovery["/apis/batch/v1"]);
    api()
      .get(`${jobs}/pgbackrest-bot-x1-full`)
      .reply(200, { ...newJob, metadata: { ...newJob.metadata, uid: "u-1" } });
    const created = await quick().create(newJob);
    expect(created.metadata.name).toBe("pgbackrest-bot-x1-full");
  });

  it("says a Job of that name exists when it was not its own", async () => {
    const jobs = `/apis/batch/v1/namespaces/${NS}/jobs`;
    api().get("/apis/batch/v1").reply(200, discovery["/apis/batch/v1"]);
    api().post(jobs).query(true).reply(409, status(409, "AlreadyExists"));
    await expect(quick().create(newJob)).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it("takes a lock once: a create whose answer was lost is recognised by its content", async () => {
    const lock = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "mcpgov-backup-lock", namespace: NS },
      data: { operation: "x1" },
    };
    const path = `/api/v1/namespaces/${NS}/configmaps`;
    api().get("/api/v1").times(2).reply(200, discovery["/api/v1"]);
    api().post(path).query(true).reply(502, status(502, "BadGateway"));
    api().post(path).query(true).reply(409, status(409, "AlreadyExists"));
    api().get(`${path}/mcpgov-backup-lock`).reply(200, lock);
    expect((await quick().create(lock)).data).toEqual({ operation: "x1" });
    // Someone else's lock stays theirs.
    api().post(path).query(true).reply(502, status(502, "BadGateway"));
    api().post(path).query(true).reply(409, status(409, "AlreadyExists"));
    api()
      .get(`${path}/mcpgov-backup-lock`)
      .reply(200, { ...lock, data: { operation: "other" } });
    await expect(quick().create(lock)).rejects.toBeInstanceOf(AlreadyExistsError);
  });
});

describe("KubeCluster's conditional update", () => {
  const status = apiStatus;
  const quick = () => new KubeCluster(config(), { retryMs: 1 });
  const record = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "mcpgov-backup-plan-x1", namespace: NS, resourceVersion: "41" },
    data: { "plan.json": '{"state":"running"}' },
  };
  const path = `/api/v1/namespaces/${NS}/configmaps/mcpgov-backup-plan-x1`;

  it("sends a merge patch that holds the API server to the version read", async () => {
    let sent: unknown;
    api().get("/api/v1").reply(200, discovery["/api/v1"]);
    api()
      .matchHeader("content-type", "application/merge-patch+json")
      .patch(path, (body) => {
        sent = body;
        return true;
      })
      .query(true)
      .reply(200, { ...record, metadata: { ...record.metadata, resourceVersion: "42" } });
    const written = await quick().update(record);
    expect((sent as typeof record).metadata.resourceVersion).toBe("41");
    expect(written.metadata.resourceVersion).toBe("42");
  });

  it("refuses when the object changed since it was read", async () => {
    api().get("/api/v1").reply(200, discovery["/api/v1"]);
    api().patch(path).query(true).reply(409, status(409, "Conflict"));
    await expect(quick().update(record)).rejects.toBeInstanceOf(ConflictError);
  });

  it("refuses a write that holds to no version, and one to an object that went", async () => {
    const { resourceVersion: _, ...unversioned } = record.metadata;
    // No request at all: nock would refuse one that was not set up.
    await expect(quick().update({ ...record, metadata: unversioned })).rejects.toThrow(
      "no resourceVersion to hold it to",
    );
    api().get("/api/v1").reply(200, discovery["/api/v1"]);
    api().patch(path).query(true).reply(404, status(404, "NotFound"));
    await expect(quick().update(record)).rejects.toBeInstanceOf(ConflictError);
  });

  it("recognises its own update whose answer was lost, and no one else's", async () => {
    api().get("/api/v1").times(2).reply(200, discovery["/api/v1"]);
    api().patch(path).query(true).reply(504, status(504, "Timeout"));
    api().patch(path).query(true).reply(409, status(409, "Conflict"));
    api()
      .get(path)
      .reply(200, { ...record, metadata: { ...record.metadata, resourceVersion: "42" } });
    expect((await quick().update(record)).metadata.resourceVersion).toBe("42");
    api().patch(path).query(true).reply(504, status(504, "Timeout"));
    api().patch(path).query(true).reply(409, status(409, "Conflict"));
    api()
      .get(path)
      .reply(200, { ...record, data: { "plan.json": '{"state":"cancelled"}' } });
    await expect(quick().update(record)).rejects.toBeInstanceOf(ConflictError);
  });
});

describe("KubeCluster's errors and pauses", () => {
  const status = apiStatus;
  const quick = (options = {}) => new KubeCluster(config(), { retryMs: 1, ...options });
  const configMaps = `/api/v1/namespaces/${NS}/configmaps`;
  const refusal = {
    ...status(403, "Forbidden"),
    message: 'configmaps "pgbackrest-config" is forbidden: User "bot" cannot get resource',
  };

  /** The error a call fails with, to look at its message and its cause. */
  async function failure(call: Promise<unknown>): Promise<Error> {
    const error = await call.then(
      () => undefined,
      (e: Error) => e,
    );
    if (!error) throw new Error("the call succeeded; it should have failed");
    return error;
  }

  it("says what it was doing once, with the API server's own reason, on a refusal", async () => {
    api().get("/api/v1").reply(200, discovery["/api/v1"]);
    api().get(`${configMaps}/pgbackrest-config`).reply(403, refusal);
    const error = await failure(quick().get("ConfigMap", NS, "pgbackrest-config"));
    expect(error.message).toBe(
      'get ConfigMap/pgbackrest-config: configmaps "pgbackrest-config" is forbidden: User "bot" cannot get resource (HTTP 403); the kubeconfig\'s identity may not do this: grant it in its Role (docs/bot.md lists the bot\'s)',
    );
    expect((error.cause as { code?: number }).code).toBe(403);
  });

  it("says what it was doing once when a read keeps failing", async () => {
    api().get("/api/v1").reply(200, discovery["/api/v1"]);
    api().get(`${configMaps}/pgbackrest-config`).times(4).reply(500, status(500, "InternalError"));
    const error = await failure(quick().get("ConfigMap", NS, "pgbackrest-config"));
    expect(error.message).toBe(
      "get ConfigMap/pgbackrest-config: the Kubernetes API failed 4 times in a row (InternalError (HTTP 500)); is the API server up and reachable?",
    );
  });

  it("says what it was doing once when an apply or a create is refused", async () => {
    const object = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "pgbackrest-config", namespace: NS },
    };
    api().get("/api/v1").reply(200, discovery["/api/v1"]);
    api().patch(`${configMaps}/pgbackrest-config`).query(true).reply(403, refusal);
    const applied = await failure(quick().apply([object]));
    expect(applied.message).toMatch(/^apply ConfigMap\/pgbackrest-config: configmaps "pgbackrest/);
    expect(applied.message).not.toMatch(/apply ConfigMap\/pgbackrest-config: apply/);
    api().get("/api/v1").reply(200, discovery["/api/v1"]);
    api().post(configMaps).query(true).reply(403, refusal);
    const created = await failure(quick().create(object));
    expect(created.message).toMatch(/^create ConfigMap\/pgbackrest-config: configmaps "pgbackrest/);
    expect(created.message).not.toMatch(/create ConfigMap\/pgbackrest-config: create/);
  });

  it("describes a failed Job after the API failed for a moment", async () => {
    const pods = `/api/v1/namespaces/${NS}/pods`;
    api().get(pods).query(true).reply(503, status(503, "ServiceUnavailable"));
    api().get(pods).query(true).reply(200, { kind: "PodList", items: [] });
    api()
      .get(`/api/v1/namespaces/${NS}/events`)
      .query(true)
      .reply(429, status(429, "TooManyRequests"));
    api()
      .get(`/api/v1/namespaces/${NS}/events`)
      .query(true)
      .reply(200, { kind: "EventList", items: [] });
    expect(await quick().describeJob(NS, "manual-full")).toEqual({ pods: [], events: [] });
  });

  it("waits as long as a 429's Retry-After asks, within its bound", async () => {
    const path = `/apis/batch/v1/namespaces/${NS}/jobs/manual-full`;
    api().get(path).reply(429, status(429, "TooManyRequests"), { "Retry-After": "7" });
    // One attempt: the error as client-node raises it, headers and all.
    const error = await failure(quick({ attempts: 1 }).waitForJob(NS, "manual-full", 60_000));
    const policy = { attempts: 4, retryMs: 500, maxRetryAfterMs: 30_000, requestTimeoutMs: 1 };
    expect(retryAfterMs(error.cause)).toBe(7000);
    expect(pauseAfter(error.cause, 1, policy)).toBe(7000);
    expect(pauseAfter(error.cause, 1, { ...policy, maxRetryAfterMs: 5000 })).toBe(5000);
    const now = Date.parse("2026-11-29T12:00:00Z");
    const asDate = { headers: { "retry-after": "Sun, 29 Nov 2026 12:00:03 GMT" } };
    expect(retryAfterMs(asDate, now)).toBe(3000);
  });

  it("jitters its pauses, so that clients that failed together do not retry together", () => {
    const policy = { attempts: 4, retryMs: 500, maxRetryAfterMs: 30_000, requestTimeoutMs: 1 };
    const unavailable = { code: 503 };
    // Half of the doubled pause is fixed, half random.
    expect(pauseAfter(unavailable, 1, policy, () => 0)).toBe(250);
    expect(pauseAfter(unavailable, 1, policy, () => 1)).toBe(500);
    expect(pauseAfter(unavailable, 3, policy, () => 0.5)).toBe(1500);
    const pauses = new Set(Array.from({ length: 20 }, () => pauseAfter(unavailable, 2, policy)));
    expect(pauses.size).toBeGreaterThan(1);
    for (const pause of pauses) {
      expect(pause).toBeGreaterThanOrEqual(500);
      expect(pause).toBeLessThanOrEqual(1000);
    }
  });
});
