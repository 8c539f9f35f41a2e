// The bot as GitHub drives it: a real Probot server on loopback receives signed
// issue_comment webhooks for `/backup full`; the time from sending the webhook to the
// bot's request that creates the backup Job. The cluster is the bot tests' in-memory fake
// and GitHub's API is answered in-process (nock), so this is the bot's own latency:
// a real cluster and GitHub add their round trips (four GitHub calls and four cluster
// writes come before the Job). Then a burst of commands at once, and the memory it takes.
import nock from "nock";
import { createBot } from "../../src/bot/app.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { DELIVERY_ID_ANNOTATION } from "../../src/core/names/labels.ts";
import { INFO_TEMPLATE, PGBACKREST_CONFIG } from "../../src/core/names/objects.ts";
import { projectPath } from "../../src/core/paths.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";
import { commentPayload, FakeGitHub, testSettings } from "../../src/fakes/github.ts";
import { infoLog, sampleBackup, sampleInfo } from "../../src/fakes/pgbackrest-info.ts";
import { type Delivered, startWebhookServer } from "../../src/fakes/webhook-server.ts";
import type { Lab } from "../support/lab.ts";
import { round, type Summary, summarize } from "../support/stats.ts";

export interface BotResult {
  webhooks: number;
  /** Webhook sent → Job create request, milliseconds. */
  jobCreatedMs: Summary;
  /** Webhook sent → HTTP answer, milliseconds. */
  answeredMs: Summary;
  burst: {
    commands: number;
    seconds: number;
    jobsCreated: number;
    rssBeforeMB: number;
    rssPeakMB: number;
    heapPeakMB: number;
    rssAfterMB: number;
  };
}

const MB = 1024 * 1024;

/** The fake cluster, noting when each Job's create request arrives (by delivery id). */
class TimedCluster extends FakeCluster {
  readonly created = new Map<string, number>();
  override async create(object: KubeObject): Promise<KubeObject> {
    const delivery = object.metadata.annotations?.[DELIVERY_ID_ANNOTATION];
    if (object.kind === "Job" && delivery) this.created.set(delivery, performance.now());
    return super.create(object);
  }
}

const isInfoJob = (job: KubeObject) => job.metadata.name.startsWith(`${INFO_TEMPLATE}-`);
/** The backup Jobs made so far. */
const backups = (cluster: FakeCluster) => cluster.createdJobs.filter((job) => !isInfoJob(job));

/** A full backup that has just finished, as pgbackrest info reports it. */
function info(conf: string): string {
  const now = Date.now();
  return infoLog(sampleInfo([sampleBackup("20260101-010000F", "full", now - 60_000, now)]), conf);
}

export async function bot(lab: Lab): Promise<BotResult> {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  new FakeGitHub();
  const base = renderKustomization(projectPath("manifests"));
  const config = base.find(
    (o) => o.kind === "ConfigMap" && o.metadata.name === PGBACKREST_CONFIG.configMap,
  );
  const conf =
    (config?.data as Record<string, string> | undefined)?.[PGBACKREST_CONFIG.confKey] ?? "";
  const cluster = new TimedCluster({
    // pgbackrest info and the retention, read before a full and after it in Jobs of their own.
    job: (job) => ({ outcome: "Complete", logs: isInfoJob(job) ? info(conf) : "" }),
    exec: () => ({ code: 0, stdout: "", stderr: "" }),
  });
  // As deployed: the rendered base puts them in its namespace.
  await cluster.apply(
    base.filter(
      (o) =>
        o.kind === "CronJob" && ["pgbackrest-full-backup", INFO_TEMPLATE].includes(o.metadata.name),
    ),
  );
  const app = createBot({ cluster, settings: testSettings() });
  const server = await startWebhookServer(app.app, "bench");
  const send = async (): Promise<Delivered> => {
    const sent = await server.deliver(commentPayload("/backup full"));
    if (sent.status >= 300) throw new Error(`webhook answered ${sent.status}`);
    return sent;
  };
  try {
    const webhooks = 100;
    const created: number[] = [];
    const answered: number[] = [];
    await lab.step(`${webhooks} webhooks one after another: webhook → Job created`, async () => {
      for (let i = 0; i < webhooks; i++) {
        const sent = await send();
        await app.idle();
        const at = cluster.created.get(sent.id);
        if (at === undefined) throw new Error(`webhook ${sent.id} created no Job`);
        // The first few warm up Probot's and the app's code paths.
        if (i < 5) continue;
        created.push(at - sent.sent);
        answered.push(sent.answered - sent.sent);
      }
    });
    const commands = 50;
    const burst = await lab.step(`a burst of ${commands} commands at once`, async () => {
      const jobsBefore = backups(cluster).length;
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      let heapPeak = process.memoryUsage().heapUsed;
      const sampler = setInterval(() => {
        const usage = process.memoryUsage();
        rssPeak = Math.max(rssPeak, usage.rss);
        heapPeak = Math.max(heapPeak, usage.heapUsed);
      }, 5);
      const started = performance.now();
      await Promise.all(Array.from({ length: commands }, () => send()));
      await app.idle();
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      return {
        commands,
        seconds: round(seconds),
        jobsCreated: backups(cluster).length - jobsBefore,
        rssBeforeMB: round(rssBefore / MB, 1),
        rssPeakMB: round(rssPeak / MB, 1),
        heapPeakMB: round(heapPeak / MB, 1),
        rssAfterMB: round(process.memoryUsage().rss / MB, 1),
      };
    });
    return {
      webhooks: created.length,
      jobCreatedMs: summarize(created, 1),
      answeredMs: summarize(answered, 1),
      burst,
    };
  } finally {
    server.close();
    nock.cleanAll();
    nock.enableNetConnect();
  }
}
