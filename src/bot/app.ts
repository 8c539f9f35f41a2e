// The Probot app: `issue_comment.created` only (edits and deletions never run anything),
// human authors only. The webhook is answered at once; the command runs afterwards, with a
// reaction on receipt and one status comment edited in place as it goes.
import type { ApplicationFunction, Context } from "probot";
import type { Cluster, KubeObject } from "../core/cluster.ts";
import { loadManifestFile } from "../core/manifests/load.ts";
import { DEFAULT_SETTINGS } from "../core/operations/settings.ts";
import { projectPath } from "../core/paths.ts";
import { UserError } from "../core/user-error.ts";
import { type Command, commandText, parseCommand } from "./command.ts";
import { type CommandContext, StoppedError } from "./commands/context.ts";
import { entryFor } from "./commands/registry.ts";
import { LockedError, type Operation, OperationStore, operationId } from "./operations.ts";
import { decide } from "./permission.ts";
import { POLICY_FILE, type Policy, readPolicy } from "./policy.ts";
import { code, operationHeading, reply, StatusComment, type Target } from "./status-comment.ts";

export interface BotOptions {
  cluster: Cluster;
  /** Where PostgreSQL, the CronJobs and the bot's records live. */
  namespace?: string;
  stanza?: string;
  /** The PITR Job template; manifests/restore/pgbackrest-restore-pitr-job.yaml by default. */
  restoreJob?: KubeObject;
}

export interface Bot {
  app: ApplicationFunction;
  /** Resolves when every command received so far has finished (for tests and shutdown). */
  idle(): Promise<void>;
}

type CommentContext = Context<"issue_comment.created">;

/** Read as Kubernetes reads it (YAML 1.1: `defaultMode: 0440` is octal). */
function defaultRestoreJob(): KubeObject {
  const file = projectPath("manifests/restore/pgbackrest-restore-pitr-job.yaml");
  const [doc] = loadManifestFile(file);
  if (!doc) throw new Error(`${file} is empty`);
  return doc.object as KubeObject;
}

/** The status comment's result for a command that did not succeed. */
function failureText(error: unknown): string {
  if (error instanceof LockedError) return `❌ Not now: ${error.message}.`;
  if (error instanceof StoppedError) return error.message;
  if (error instanceof UserError) return `❌ ${error.message}`;
  return `❌ Failed: ${(error as Error).message}`;
}

export function createBot(options: BotOptions): Bot {
  const running = new Set<Promise<void>>();
  const namespace = options.namespace ?? DEFAULT_SETTINGS.namespace;
  const stanza = options.stanza ?? DEFAULT_SETTINGS.stanza;
  const store = new OperationStore(options.cluster, namespace);
  const restoreJob = options.restoreJob ?? defaultRestoreJob();

  const app: ApplicationFunction = (probot) => {
    probot.on("issue_comment.created", async (context) => {
      if (context.isBot) return;
      const parsed = parseCommand(context.payload.comment.body);
      if (parsed.kind === "none") return;
      const task = handle(context, parsed).catch((error: Error) =>
        context.log.error({ err: error }, "command failed unexpectedly"),
      );
      running.add(task);
      void task.finally(() => running.delete(task));
    });
  };

  async function handle(
    context: CommentContext,
    parsed: Exclude<ReturnType<typeof parseCommand>, { kind: "none" }>,
  ): Promise<void> {
    const { comment, issue, repository } = context.payload;
    const user = comment.user?.login;
    if (!user) return;
    const target: Target = {
      owner: repository.owner.login,
      repo: repository.name,
      issue: issue.number,
    };
    const command: Command = parsed.kind === "command" ? parsed.command : { name: "help" };
    const operation: Operation = {
      id: operationId(comment.id),
      command,
      requester: user,
      owner: target.owner,
      repo: target.repo,
      issue: target.issue,
      commentUrl: comment.html_url,
      deliveryId: context.id,
      createdAt: new Date().toISOString(),
      state: "received",
    };
    let first: boolean;
    try {
      first = await store.create(operation);
    } catch (error) {
      // Without its record a command could run twice; so it does not run at all.
      return reply(
        context.octokit,
        target,
        `@${user}: nothing was run: the cluster did not take the command's record (${(error as Error).message}). Try again.`,
      );
    }
    if (!first) {
      context.log.info(`delivery ${context.id}: comment ${comment.id} was handled before`);
      return;
    }
    await context.octokit
      .request("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", {
        owner: target.owner,
        repo: target.repo,
        comment_id: comment.id,
        content: "eyes",
      })
      .catch((error: Error) => context.log.warn(`could not react: ${error.message}`));

    const refuse = async (why: string) => {
      operation.state = "refused";
      await store.save(operation);
      await reply(context.octokit, target, `@${user}: ${why}`);
    };
    let policy: Policy;
    try {
      policy = readPolicy(await context.config(POLICY_FILE));
    } catch (error) {
      return refuse(`nothing was run: ${(error as Error).message}`);
    }
    const labels = issue.labels.map((l) => (typeof l === "string" ? l : l.name));
    if (issue.pull_request || !labels.includes(policy.opsLabel))
      return refuse(
        `commands run only on issues labelled ${code(policy.opsLabel)} (set by \`ops_label\` in .github/${POLICY_FILE}).`,
      );
    if (parsed.kind === "invalid") return refuse(parsed.message);
    const entry = entryFor(command);
    if (entry.right) {
      const decision = await decide(context.octokit, target, user, entry.right, policy);
      if (!decision.allowed)
        return refuse(
          `${code(commandText(command).split(" ").slice(0, 2).join(" "))} ${decision.reason}`,
        );
    }

    const log = (line: string) => context.log.info(`op ${operation.id}: ${line}`);
    const status = new StatusComment({
      octokit: context.octokit,
      target,
      heading: operationHeading(operation),
      log,
    });
    const commandContext: CommandContext = {
      cluster: options.cluster,
      namespace,
      stanza,
      policy,
      store,
      operation,
      comment: status,
      octokit: context.octokit,
      annotations: {
        "mcpgov-backup/requested-by": user,
        "mcpgov-backup/request-url": comment.html_url,
        "mcpgov-backup/delivery-id": context.id,
        "mcpgov-backup/operation": operation.id,
      },
      restoreJob,
      log,
    };
    if ("answer" in entry) {
      await entry.answer(commandContext, command, target);
      if (operation.state === "received") {
        operation.state = "succeeded";
        await store.save(operation);
      }
      return;
    }

    await status.finish("⏳ Working on it.");
    operation.statusCommentId = status.id;
    operation.state = "running";
    await store.save(operation);
    const started = Date.now();
    try {
      if (entry.lock) await store.lock(operation, commandText(command));
      const outcome = await entry.run(commandContext, command);
      // A plan waits for its confirmation; everything else is done when it returns.
      operation.plan = outcome.plan;
      operation.state = outcome.plan ? "planned" : "succeeded";
      // Recorded before it is shown: a confirmation may follow the plan at once.
      await store.save(operation);
      const took = ((Date.now() - started) / 1000).toFixed(1);
      await status.finish(
        `${outcome.result}\n\n_${outcome.plan ? "Planned" : "Done"} in ${took} s._`,
      );
    } catch (error) {
      operation.state = error instanceof LockedError ? "refused" : "failed";
      await status.finish(failureText(error));
    } finally {
      if (entry.lock) await store.unlock(operation).catch(() => {});
      await store.save(operation);
    }
  }

  return {
    app,
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
