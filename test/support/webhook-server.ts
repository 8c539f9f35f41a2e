// The bot behind a real Probot server on loopback, as GitHub reaches it: signed webhook
// requests to /api/github/webhooks. Shared by the bot's end-to-end runs.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type ApplicationFunction, createNodeMiddleware } from "probot";
import { testProbot } from "../../src/fakes/github.ts";

export interface WebhookServer {
  /** Where GitHub would deliver: http://127.0.0.1:PORT/api/github/webhooks. */
  url: string;
  close(): void;
}

export async function startWebhookServer(app: ApplicationFunction): Promise<WebhookServer> {
  const middleware = await createNodeMiddleware(app, { probot: testProbot() });
  const server = createServer((request, response) => {
    void middleware(request, response, () => response.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/github/webhooks`, close: () => server.close() };
}
