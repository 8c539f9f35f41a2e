// GitHub's side of the bot's unit tests: a Probot with retries and throttling off, nock
// answering the REST calls the bot makes and keeping every comment it posts or edits.
import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import type { Bot } from "../bot/app.ts";
import { type BotSettings, botSettings } from "../bot/settings.ts";

export const API = "https://api.github.com";
const OWNER = "acme";
const REPO = "ops";
const ISSUE = 7;
const TEST_REPOSITORY = `${OWNER}/${REPO}`;
/** GitHub's id of the test repository: what the bot's targets file lists. */
export const REPO_ID = 424242;
/** The bot's own namespace in these tests, where its records live: no database's. */
export const BOT_NS = "mcpgov-backup-bot";

/**
 * The targets file of these tests: the base's database (namespace ai-governance, stanza
 * mcpgov), for the test repository only, under `floor` (a YAML mapping) when one is given.
 */
export function oneTarget(floor?: string): string {
  return `targets:
  - name: governance
    namespace: ai-governance
    stanza: mcpgov
    repositories: [{id: ${REPO_ID}, name: ${OWNER}/${REPO}}]
${floor ? `    floor: ${floor}\n` : ""}`;
}

/** The bot's settings in these tests: its environment, and the targets file's text. */
export function testSettings(env: Record<string, string> = {}, targets = oneTarget()): BotSettings {
  return botSettings(
    { MCPGOV_TARGETS_FILE: "targets.yaml", MCPGOV_NAMESPACE: BOT_NS, ...env },
    () => targets,
  );
}

export const INSTALLATION_TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

export const WEBHOOK_SECRET = "webhook-secret-for-tests";

export function testProbot(): Probot {
  return new Probot({
    appId: 1,
    privateKey,
    secret: WEBHOOK_SECRET,
    logLevel: (process.env.BOT_LOG as "fatal") ?? "fatal",
    // A function, not an object: Probot passes its own throttle options when it builds a
    // client, and those would win over object defaults (with a 1 s pause between writes).
    Octokit: ProbotOctokit.defaults((options: object) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
}

export { privateKey as TEST_PRIVATE_KEY };

export interface GitHubOptions {
  /** The requesters' roles; anyone else gets 404 (not a collaborator). */
  roles?: Record<string, string>;
  /** Answer the permission API with this status instead. */
  permissionStatus?: number;
  /** .github/mcpgov-backup.yml's text; none when undefined. */
  policy?: string;
  /** The organisation's .github repository's mcpgov-backup.yml (which the bot must not read). */
  orgPolicy?: string;
  /** team slug → members. */
  teams?: Record<string, string[]>;
  labels?: string[];
  /** owner/repo GitHub serves (the test repository, acme/ops, when absent): a renamed one's. */
  repository?: string;
  /** More repositories served alike (one bot for several teams' repositories). */
  others?: string[];
  /** Answer this many comment writes (create or edit) with 502 first, as GitHub does in an incident. */
  failWrites?: number;
}

export class FakeGitHub {
  /** Every comment the bot made, by id: its bodies, first to last. */
  readonly comments = new Map<number, string[]>();
  readonly reactions: string[] = [];
  /** The repository (owner/repo) each comment was posted in. */
  readonly repositoryOf = new Map<number, string>();
  /** Comment writes GitHub refused (502). */
  failedWrites = 0;
  private next = 1000;

  constructor(options: GitHubOptions = {}) {
    const roles = options.roles ?? { alice: "admin", bob: "write" };
    const [OWNER, REPO] = (options.repository ?? TEST_REPOSITORY).split("/");
    const served = [`${OWNER}/${REPO}`, ...(options.others ?? [])];
    const repos = `(${served.map((r) => r.replace(/[.]/g, "\\.")).join("|")})`;
    const api = nock(API).persist();
    api.post(/\/app\/installations\/\d+\/access_tokens/).reply(201, {
      token: INSTALLATION_TOKEN,
      expires_at: "2099-01-01T00:00:00Z",
    });
    api
      .get(new RegExp(`/repos/${repos}/collaborators/([^/]+)/permission`))
      .reply((request: Request) => {
        const uri = request.url;
        if (options.permissionStatus) return [options.permissionStatus, { message: "boom" }];
        const user = /collaborators\/([^/]+)\//.exec(uri)?.[1] ?? "";
        const role = roles[user];
        if (!role) return [404, { message: "Not Found" }];
        const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
        return [200, { permission, role_name: role, user: { login: user } }];
      });
    api.get(/\/orgs\/[^/]+\/teams\/([^/]+)\/memberships\/([^/]+)/).reply((request: Request) => {
      const uri = request.url;
      const [, team = "", user = ""] = /teams\/([^/]+)\/memberships\/([^/]+)/.exec(uri) ?? [];
      return options.teams?.[team]?.includes(user)
        ? [200, { state: "active", role: "member" }]
        : [404, { message: "Not Found" }];
    });
    api
      .get(/\/repos\/[^/]+\/[^/]+\/contents\/\.github(%2F|\/)mcpgov-backup\.yml/)
      .reply((request: Request) => {
        const file = served.some((r) => request.url.includes(`/repos/${r}/`))
          ? options.policy
          : request.url.includes(`/repos/${OWNER}/.github/`)
            ? options.orgPolicy
            : undefined;
        return file !== undefined
          ? [200, file, { "content-type": "text/plain; charset=utf-8" }]
          : [404, { message: "Not Found" }];
      });
    api.post(/\/issues\/comments\/\d+\/reactions/).reply(async (request: Request) => {
      this.reactions.push(((await request.json()) as { content: string }).content);
      return [201, {}];
    });
    const outage = () => this.failedWrites < (options.failWrites ?? 0) && ++this.failedWrites > 0;
    api
      .post(new RegExp(`/repos/${repos}/issues/${ISSUE}/comments$`))
      .reply(async (request: Request) => {
        if (outage()) return [502, { message: "Server Error" }];
        const id = this.next++;
        this.comments.set(id, [((await request.json()) as { body: string }).body]);
        this.repositoryOf.set(id, /\/repos\/([^/]+\/[^/]+)\//.exec(request.url)?.[1] ?? "");
        return [201, { id }];
      });
    api.patch(/\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)/).reply(async (request: Request) => {
      if (outage()) return [502, { message: "Server Error" }];
      const id = Number(/comments\/(\d+)/.exec(request.url)?.[1]);
      const bodies = this.comments.get(id);
      if (!bodies) return [404, { message: "Not Found" }];
      bodies.push(((await request.json()) as { body: string }).body);
      return [200, { id }];
    });
  }

  /** The last body of each comment, in the order they were made. */
  latest(): string[] {
    return [...this.comments.values()].map((bodies) => bodies.at(-1) ?? "");
  }

  /** The last body of each comment posted in `repository`, in order. */
  latestIn(repository: string): string[] {
    return [...this.comments.entries()]
      .filter(([id]) => this.repositoryOf.get(id) === repository)
      .map(([, bodies]) => bodies.at(-1) ?? "");
  }

  /** Every body ever posted or edited. */
  everything(): string {
    return [...this.comments.values()].flat().join("\n---\n");
  }
}

let commentId = 2_000_000_000;

export interface CommentOptions {
  user?: string;
  labels?: string[];
  userType?: string;
  commentId?: number;
  pullRequest?: boolean;
  /** owner/repo the comment is in; the test repository when absent. */
  repository?: string;
  /** GitHub's id of that repository: the test repository's (REPO_ID) when it is that one, else another. */
  repositoryId?: number;
  /** When GitHub says the comment was made (ISO); now when absent. */
  createdAt?: string;
}

export function commentPayload(body: string, options: CommentOptions = {}) {
  const user = options.user ?? "alice";
  const id = options.commentId ?? commentId++;
  const [repoOwner = OWNER, repoName = REPO] = (options.repository ?? `${OWNER}/${REPO}`).split(
    "/",
  );
  const fullName = `${repoOwner}/${repoName}`;
  const repositoryId =
    options.repositoryId ?? (fullName === `${OWNER}/${REPO}` ? REPO_ID : REPO_ID + 1);
  return {
    action: "created",
    issue: {
      number: ISSUE,
      title: "Restore after the bad migration",
      labels: (options.labels ?? ["ops"]).map((name) => ({ name })),
      ...(options.pullRequest ? { pull_request: { url: "https://example.invalid" } } : {}),
    },
    comment: {
      id,
      body,
      user: { login: user, type: options.userType ?? "User" },
      created_at: options.createdAt ?? new Date().toISOString(),
      html_url: `https://github.com/${fullName}/issues/${ISSUE}#issuecomment-${id}`,
    },
    repository: {
      id: repositoryId,
      name: repoName,
      full_name: fullName,
      owner: { login: repoOwner },
    },
    installation: { id: 42 },
    sender: { login: user, type: options.userType ?? "User" },
  };
}

let delivery = 1;

/** Delivers the comment as GitHub would (bypassing the HTTP layer) and waits for the work. */
export async function deliver(
  probot: Probot,
  bot: Bot,
  payload: ReturnType<typeof commentPayload>,
  id = `delivery-${delivery++}`,
): Promise<void> {
  await probot.receive({ id, name: "issue_comment", payload } as never);
  await bot.idle();
}
