// The bot's server: GitHub's webhooks on /api/github/webhooks, /healthz for probes. The
// cluster is the Kubernetes one it runs in (or KUBECONFIG's); with --local, the local
// cluster runner with manifests/ deployed, for trying the bot on one machine.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { createNodeMiddleware, createProbot } from "probot";
import { type OpenedCluster, openKubeCluster } from "../core/kube/open.ts";
import { createBot } from "./app.ts";
import { botSettings, SETTINGS_HELP } from "./settings.ts";

const HELP = `usage: node src/bot/main.ts [--local] [--help]

Serves the mcpgov-backup GitHub App: /backup and /restore commands in comments on ops
issues (see docs/bot.md). Webhooks on POST /api/github/webhooks, health on GET /healthz.

Environment:
  APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH), WEBHOOK_SECRET   the GitHub App (required)
  PORT (3000), HOST (0.0.0.0)                                  where to listen
${SETTINGS_HELP}
  KUBECONFIG                                                   outside a cluster
  GHE_HOST                                                     GitHub Enterprise Server

  --local   run the pods of manifests/ on this machine (the local cluster runner, needs
            root) and act on them instead of Kubernetes: for trying the bot end to end
  --help    show this text`;

/** The local runner with manifests/ deployed on it, for trying the bot end to end. */
async function localCluster(): Promise<OpenedCluster> {
  const { openLocalCluster } = await import("../local/runner/open.ts");
  const opened = await openLocalCluster((line) => console.log(line));
  const { deployForBackups } = await import("../local/deploy.ts");
  try {
    await deployForBackups(opened.cluster);
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { local: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const env = process.env;
  const missing = ["APP_ID", "WEBHOOK_SECRET"].filter((name) => !env[name]);
  if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) missing.push("PRIVATE_KEY or PRIVATE_KEY_PATH");
  if (missing.length > 0)
    throw new Error(`set ${missing.join(", ")} (the GitHub App's settings; see --help)`);
  const settings = botSettings(env);

  const { cluster, close: stop } = values.local ? await localCluster() : openKubeCluster();
  const bot = createBot({ cluster, settings });
  await bot.checkTargets((line) => console.log(line));
  // Every operation looks at the lock again before it starts: a cluster out of reach now
  // does not keep the bot from serving.
  await bot
    .reconcile((line) => console.log(line))
    .catch((error: Error) => console.log(`could not look at the lock at start: ${error.message}`));
  const reap = () =>
    bot
      .reapClones((line) => console.log(line))
      .catch((error: Error) => console.log(`could not look at the clones: ${error.message}`));
  await reap();
  setInterval(reap, 60_000).unref();
  for (const each of settings.targets)
    console.log(
      `target ${each.name}: namespace ${each.namespace}, stanza ${each.stanza}, for ${each.repositories.map((r) => `${r.name} (id ${r.id})`).join(", ")}`,
    );
  console.log(`records in namespace ${settings.recordsNamespace}`);
  const middleware = await createNodeMiddleware(bot.app, { probot: createProbot() });
  const server = createServer((request, response) => {
    if (request.method === "GET" && request.url === "/healthz") {
      response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    void middleware(request, response, () => response.writeHead(404).end());
  });
  const port = Number(env.PORT || 3000);
  server.listen(port, env.HOST || "0.0.0.0", () => console.log(`listening on port ${port}`));
  // A restore in flight is seen through: stop taking webhooks, then wait for the work.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.log(`${signal}: finishing the commands under way, taking no new ones`);
      server.close();
      void bot
        .idle()
        .then(stop)
        .then(() => process.exit(0));
    });
  }
}

main().catch((error: Error) => {
  console.error(`mcpgov-backup bot: ${error.message}`);
  process.exit(1);
});
