// KubeCluster against an API server that hangs or drops connections: a real HTTP server on
// loopback (a mock library cannot hold a socket open without answering, or cut it half way,
// the way a broken load balancer or a restarting API server does).
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { KubeCluster } from "../../../src/core/kube/cluster.ts";
import { apiStatus, botJob } from "../../support/kube-api.ts";
import { makeTestCertificates, type TestCertificates } from "../../support/s3.ts";

const NS = "ai-governance";

/** What the server does with the next request to a path it has no fixed answer for. */
type Behaviour = "hang" | "drop" | { status: number; body: unknown };

class UnreliableApi {
  readonly requests: string[] = [];
  /** Fixed answers (discovery); everything else takes the next behaviour in line. */
  readonly fixed = new Map<string, unknown>();
  readonly jobs = new Map<string, unknown>();
  private readonly queue: Behaviour[] = [];
  private readonly server = https.createServer(
    { key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) },
    (request, response) => this.handle(request, response),
  );

  answering(...behaviours: Behaviour[]): this {
    this.queue.push(...behaviours);
    return this;
  }

  async start(): Promise<k8s.KubeConfig> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    const { port } = this.server.address() as AddressInfo;
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: "test",
          server: `https://127.0.0.1:${port}`,
          caData: readFileSync(tls.caFile).toString("base64"),
          tlsServerName: "localhost",
        },
      ],
      users: [{ name: "test", token: "test-token" }],
      contexts: [{ name: "test", cluster: "test", user: "test", namespace: NS }],
      currentContext: "test",
    });
    return kc;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = new URL(request.url ?? "/", "https://api").pathname;
    this.requests.push(`${request.method} ${path}`);
    const reply = (status: number, body: unknown) =>
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (this.fixed.has(path)) return reply(200, this.fixed.get(path));
    // Creating a Job really creates it, whatever happens to the answer afterwards.
    if (request.method === "POST" && path.endsWith("/jobs")) {
      const job = JSON.parse(Buffer.concat(chunks).toString()) as { metadata: { name: string } };
      const exists = this.jobs.has(job.metadata.name);
      if (!exists)
        this.jobs.set(job.metadata.name, { ...job, metadata: { ...job.metadata, uid: "u-1" } });
      const behaviour = this.queue.shift();
      if (behaviour === "drop") return request.socket.destroy();
      if (exists) return reply(409, status(409, "AlreadyExists"));
      return reply(201, this.jobs.get(job.metadata.name));
    }
    const name = path.split("/").at(-1) ?? "";
    if (request.method === "GET" && this.jobs.has(name)) return reply(200, this.jobs.get(name));
    const behaviour = this.queue.shift() ?? { status: 404, body: status(404, "NotFound") };
    if (behaviour === "hang") return; // accepted, read, never answered
    if (behaviour === "drop") return request.socket.destroy();
    reply(behaviour.status, behaviour.body);
  }
}

const status = apiStatus;

const completeJob = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "manual-full", namespace: NS },
  status: { conditions: [{ type: "Complete", status: "True" }] },
};

const jobPath = `/apis/batch/v1/namespaces/${NS}/jobs/manual-full`;

// The API is served over TLS, as every API server is, with a test CA the client trusts.
let certificates: string;
let tls: TestCertificates;
beforeAll(() => {
  certificates = mkdtempSync(join(tmpdir(), "mcpgov-api-tls-"));
  tls = makeTestCertificates(certificates, ["localhost"]);
});
afterAll(() => rmSync(certificates, { recursive: true, force: true }));

let api: UnreliableApi;
afterEach(async () => {
  await api.stop();
});

const cluster = (kc: k8s.KubeConfig) => new KubeCluster(kc, { retryMs: 1, requestTimeoutMs: 300 });

describe("KubeCluster when the API server hangs or drops connections", () => {
  it("gives up on a request that gets no answer and asks again", async () => {
    api = new UnreliableApi().answering("hang", { status: 200, body: completeJob });
    const result = await cluster(await api.start()).waitForJob(NS, "manual-full", 60_000);
    expect(result.outcome).toBe("Complete");
    expect(api.requests).toEqual([`GET ${jobPath}`, `GET ${jobPath}`]);
  });

  it("asks again when the connection is cut before the answer", async () => {
    api = new UnreliableApi().answering("drop", "drop", { status: 200, body: completeJob });
    const result = await cluster(await api.start()).waitForJob(NS, "manual-full", 60_000);
    expect(result.outcome).toBe("Complete");
    expect(api.requests).toHaveLength(3);
  });

  it("stops after four requests without an answer and says so", async () => {
    api = new UnreliableApi().answering("hang", "hang", "hang", "hang", "hang");
    const started = Date.now();
    await expect(cluster(await api.start()).waitForJob(NS, "manual-full", 60_000)).rejects.toThrow(
      "get job/manual-full: the Kubernetes API failed 4 times in a row (no answer within 0.3 s); is the API server up and reachable?",
    );
    // Four deadlines and three short pauses, not the 60 s the wait allowed.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(api.requests).toHaveLength(4);
  });

  it("creates one Job when the connection is cut after the API server made it", async () => {
    api = new UnreliableApi().answering("drop");
    api.fixed.set("/apis/batch/v1", {
      kind: "APIResourceList",
      groupVersion: "batch/v1",
      resources: [{ name: "jobs", namespaced: true, kind: "Job", verbs: ["create", "get"] }],
    });
    const job = botJob(NS);
    const created = await cluster(await api.start()).create(job);
    expect(created.metadata.name).toBe("pgbackrest-bot-x1-full");
    expect([...api.jobs.keys()]).toEqual(["pgbackrest-bot-x1-full"]);
    expect(api.requests.filter((r) => r.startsWith("POST"))).toHaveLength(2);
  });
});
