// The bot behind a real Probot server on loopback, as GitHub reaches it: signed webhook
// requests to /api/github/webhooks. Shared by the bot's end-to-end runs and the bench.
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type ApplicationFunction, createNodeMiddleware } from "probot";
import { testProbot, WEBHOOK_SECRET } from "./github.ts";

export interface Delivered {
  /** The delivery's id (x-github-delivery), as the bot's records and Jobs carry it. */
  id: string;
  status: number;
  /** When it was sent and when the server answered (performance.now()). */
  sent: number;
  answered: number;
}

export interface WebhookServer {
  /** Where GitHub would deliver: http://127.0.0.1:PORT/api/github/webhooks. */
  url: string;
  /**
   * Delivers an issue_comment event as GitHub does: the payload as JSON, signed with the
   * webhook secret (or with `signature`, to forge one), each delivery with an id of its own.
   */
  deliver(payload: object, signature?: string): Promise<Delivered>;
  close(): void;
}

export async function startWebhookServer(
  app: ApplicationFunction,
  /** What the delivery ids start with, so that a run's deliveries read as its own. */
  prefix = "delivery",
): Promise<WebhookServer> {
  const middleware = await createNodeMiddleware(app, { probot: testProbot() });
  const server = createServer((request, response) => {
    void middleware(request, response, () => response.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/api/github/webhooks`;
  let deliveries = 0;
  return {
    url,
    async deliver(payload, signature) {
      const body = JSON.stringify(payload);
      const id = `${prefix}-${++deliveries}`;
      const sent = performance.now();
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "issue_comment",
          "x-github-delivery": id,
          "x-hub-signature-256":
            signature ??
            `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`,
        },
        body,
      });
      await response.text();
      return { id, status: response.status, sent, answered: performance.now() };
    },
    close: () => server.close(),
  };
}
