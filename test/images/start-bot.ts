// Run inside a copy of the bot image's files (test/images/bot-files.test.ts): starts the
// bot as its CMD does up to its first command, and builds a clone's objects, so that every
// template /restore reads is read from the copy. Prints the root the copy's code found.
import { createBot } from "../../src/bot/app.ts";
import { botSettings } from "../../src/bot/settings.ts";
import { cloneObjects } from "../../src/core/clone-objects.ts";
import type { Cluster } from "../../src/core/cluster.ts";
import { projectRoot } from "../../src/core/paths.ts";

// Starting the bot reads templates only; no call reaches the cluster.
const cluster = {} as Cluster;
const targets = `targets:
  - {name: ops, namespace: ai-governance, stanza: mcpgov, repositories: [{id: 1, name: org/ops}]}`;
createBot({ cluster, settings: botSettings({}, () => targets) });
// The server's template comes from the cluster: a bare one stands in for it.
const serverTemplate = {
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: { name: "mcpgov-clone", labels: { "app.kubernetes.io/instance": "image" } },
  spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "postgres" }] } } } } },
};
cloneObjects(
  {
    id: "image",
    expiresAt: new Date().toISOString(),
    point: "the newest backup",
    image: "postgres",
    storage: "1Gi",
  },
  serverTemplate,
);
console.log(projectRoot());
