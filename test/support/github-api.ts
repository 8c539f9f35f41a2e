// A stand-in for GitHub's REST API, enough of it for the Action's report to the ops issue:
// list a repository's issues (by labels and state), create one, comment on one, update its
// state. A node:http server on 127.0.0.1 the Action's bundle reaches through GITHUB_API_URL
// (nock cannot reach into another process); it records every request, and answers every
// request with `refuse` when that is set (a fork's read-only token: 403).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedCall {
  method: string;
  /** The path and query, as sent. */
  url: string;
  authorization: string;
  body: Record<string, unknown> | undefined;
}

export interface StandInIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: "open" | "closed";
  comments: string[];
}

export interface GitHubStandIn {
  url: string;
  calls: RecordedCall[];
  issues: StandInIssue[];
  /** When set, every request gets this status (403: a read-only token). */
  refuse: number | undefined;
  close(): Promise<void>;
}

function issueJson(base: string, repo: string, issue: StandInIssue): Record<string, unknown> {
  return {
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    labels: issue.labels.map((name) => ({ name })),
    html_url: `${base}/${repo}/issues/${issue.number}`,
  };
}

function readBody(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    let text = "";
    request.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    request.on("end", () =>
      resolve(text ? (JSON.parse(text) as Record<string, unknown>) : undefined),
    );
  });
}

function answer(response: ServerResponse, status: number, json: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(json));
}

export async function startGitHubStandIn(): Promise<GitHubStandIn> {
  const standIn: Omit<GitHubStandIn, "url" | "close"> = {
    calls: [],
    issues: [],
    refuse: undefined,
  };
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const url = request.url ?? "";
    standIn.calls.push({
      method: request.method ?? "",
      url,
      authorization: String(request.headers.authorization ?? ""),
      body,
    });
    if (standIn.refuse)
      return answer(response, standIn.refuse, {
        message: "Resource not accessible by integration",
      });
    const { pathname, searchParams } = new URL(url, "http://stand-in");
    const match = /^\/repos\/([^/]+\/[^/]+)\/issues(?:\/(\d+)(\/comments)?)?$/.exec(pathname);
    if (!match) return answer(response, 404, { message: "Not Found" });
    const [, repo = "", number, comments] = match;
    const web = "https://github.example";
    const issue = standIn.issues.find((i) => i.number === Number(number));
    if (request.method === "GET" && !number) {
      const labels = (searchParams.get("labels") ?? "").split(",").filter(Boolean);
      const state = searchParams.get("state") ?? "open";
      const found = standIn.issues.filter(
        (i) => (state === "all" || i.state === state) && labels.every((l) => i.labels.includes(l)),
      );
      return answer(
        response,
        200,
        found.map((i) => issueJson(web, repo, i)),
      );
    }
    if (request.method === "POST" && !number) {
      const made: StandInIssue = {
        number: standIn.issues.length + 1,
        title: String(body?.title ?? ""),
        body: String(body?.body ?? ""),
        labels: ((body?.labels ?? []) as string[]).map(String),
        state: "open",
        comments: [],
      };
      standIn.issues.push(made);
      return answer(response, 201, issueJson(web, repo, made));
    }
    if (!issue) return answer(response, 404, { message: "Not Found" });
    if (request.method === "POST" && comments) {
      issue.comments.push(String(body?.body ?? ""));
      return answer(response, 201, { id: issue.comments.length, body: body?.body });
    }
    if (request.method === "PATCH") {
      if (body?.state === "closed" || body?.state === "open") issue.state = body.state;
      return answer(response, 200, issueJson(web, repo, issue));
    }
    return answer(response, 404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(standIn, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
