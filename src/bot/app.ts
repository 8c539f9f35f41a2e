// The Probot app: `issue_comment.created` only (edits and deletions never run anything),
// human authors only, in the repositories the targets file lists (by id) only, on their own
// targets only. Repository, target, label, permission and then every argument are checked
// before anything is recorded, run or read from the cluster; /help, which does no work, is never recorded. The webhook is answered
// at once; the command runs afterwards, with a reaction on receipt and one status comment
// edited in place as it goes.
import type { ApplicationFunction, Context } from "probot";
import { reapExpiredClones } from "../core/clone-objects.ts";
import type { Cluster } from "../core/cluster.ts";
import { describeHolder, type HeldLockHandle, holdLock, LockedError } from "../core/lock.ts";
import {
  DELIVERY_ID_ANNOTATION,
  OPERATION_ANNOTATION,
  REQUEST_URL_ANNOTATION,
  REQUESTED_BY_ANNOTATION,
} from "../core/names/labels.ts";
import { reconcilePlans } from "../core/plans/lifecycle.ts";
import { PlanRecords } from "../core/plans/record.ts";
import { UserError } from "../core/user-error.ts";
import { type Command, commandText, parseCommand } from "./command.ts";
import type { CommandContext } from "./commands/context.ts";
import { entryFor } from "./commands/registry.ts";
import { failureText } from "./failure.ts";
import { decide } from "./permission.ts";
import { fetchPolicyFile, POLICY_FILE, type Policy, type Right, readPolicy } from "./policy.ts";
import { type Operation, OperationRecords, operationId } from "./records.ts";
import { type BotSettings, targetsFor } from "./settings.ts";
import {
  code,
  operationHeading,
  reply,
  StatusComment,
  type Target,
  text,
} from "./status-comment.ts";
import { chooseTargets, roleMissing, runOnEach, targetsWithoutRole } from "./target-choice.ts";
import type { BotTarget } from "./targets.ts";

export interface BotOptions {
  cluster: Cluster;
  /** The targets, who may act on each and their floors; where the records live. */
  settings: BotSettings;
  /** How often a held lock is renewed (60 s; its lease lasts 5 minutes). */
  lockRenewMs?: number;
}

export interface Bot {
  app: ApplicationFunction;
  /**
   * At start, before any webhook: each target's lock whose holder stopped renewing it is
   * released or kept as its holder said (core/lock.ts): a backup's or a table copy's goes
   * (the copy is committed whole or not at all), an interrupted restore's stays.
   */
  reconcile(log: (line: string) => void): Promise<void>;
  /** At start: which targets give the bot no Role (their commands are refused, saying so). */
  checkTargets(log: (line: string) => void): Promise<void>;
  /** Removes expired clones (their server stopped itself); at start, then every minute. */
  reapClones(log: (line: string) => void): Promise<void>;
  /** Resolves when every command received so far has finished (for tests and shutdown). */
  idle(): Promise<void>;
}

type CommentContext = Context<"issue_comment.created">;

export function createBot(options: BotOptions): Bot {
  const running = new Set<Promise<void>>();
  const { settings } = options;
  const records = new OperationRecords(options.cluster, settings.recordsNamespace);
  const plans = new PlanRecords(options.cluster, settings.recordsNamespace);
  const planSettings = ({ namespace, stanza }: BotTarget) => {
    return { namespace, stanza, records: settings.recordsNamespace };
  };
  let lastPruned = 0;

  /** Old records go at most once an hour, after a command, never in its way. */
  async function prune(log: Context["log"]): Promise<void> {
    if (Date.now() - lastPruned < 3_600_000) return;
    lastPruned = Date.now();
    const keep = settings.keepRecordsDays;
    const removed = await Promise.all([records.prune(keep), plans.prune(keep)])
      .then(([operations, planned]) => operations + planned)
      .catch((error: Error) => {
        log.warn(`could not prune old operation records: ${error.message}`);
        return 0;
      });
    if (removed > 0)
      log.info(`removed ${removed} operation records older than ${settings.keepRecordsDays} days`);
  }

  const app: ApplicationFunction = (probot) => {
    probot.on("issue_comment.created", async (context) => {
      if (context.isBot) return;
      const parsed = parseCommand(context.payload.comment.body);
      if (parsed.kind === "none") return;
      const task = handle(context, parsed)
        .catch((error: Error) => {
          context.log.error({ err: error }, "command failed unexpectedly");
          return false;
        })
        // Only after a command taken: a refusal asks nothing of the cluster.
        .then((taken) => (taken ? prune(context.log) : undefined));
      running.add(task);
      void task.finally(() => running.delete(task));
    });
  };

  /** True when the command was taken: recorded, and run or answered. */
  async function handle(
    context: CommentContext,
    parsed: Exclude<ReturnType<typeof parseCommand>, { kind: "none" }>,
  ): Promise<boolean> {
    const { comment, issue, repository } = context.payload;
    const user = comment.user?.login;
    if (!user) return false;
    // Deduplication lasts as long as the record; a delivery of an old comment (replayed
    // after the record was pruned, or captured and sent again) gets nothing at all.
    const age = Date.now() - Date.parse(comment.created_at);
    if (!(age <= settings.commentMaxAgeMinutes * 60_000)) {
      context.log.warn(
        `ignored delivery ${context.id}: comment ${comment.id} was made ${comment.created_at}, more than MCPGOV_COMMENT_MAX_AGE_MINUTES ago`,
      );
      return false;
    }
    // A repository no target lists, by its id, gets nothing: no record, no reply, no API
    // call. Its name decides nothing: a repository re-created under a listed name is new.
    const mine = targetsFor(settings, repository.id);
    if (mine.length === 0) {
      context.log.warn(
        `ignored a command in ${repository.full_name} (id ${repository.id}): no target of the targets file lists it`,
      );
      return false;
    }
    const target: Target = {
      owner: repository.owner.login,
      repo: repository.name,
      issue: issue.number,
    };
    const refuse = async (why: string) => {
      await reply(context.octokit, target, `@${user}: ${why}`);
      return false;
    };
    const asked = parsed.kind === "command" ? parsed : undefined;
    const choice = chooseTargets(mine, asked?.command, asked?.target);
    const chosen = "targets" in choice ? choice.targets : mine;
    // The repository's file over each target's floor: it may only tighten each.
    let policies: Policy[];
    try {
      const file = await fetchPolicyFile(context.octokit, target);
      policies = chosen.map((t) => readPolicy(file, t.floor));
    } catch (error) {
      return refuse(`nothing was run: ${(error as Error).message}`);
    }
    // The label and the other settings of the file are the same over every floor.
    const [policy] = policies;
    if (!policy) return false;
    const labels = issue.labels.map((l) => (typeof l === "string" ? l : l.name));
    if (issue.pull_request || !labels.includes(policy.opsLabel))
      return refuse(
        `commands run only on issues labelled ${code(policy.opsLabel)} (set by \`ops_label\` in .github/${POLICY_FILE}).`,
      );
    if (parsed.kind === "invalid") return refuse(parsed.message);
    // Another team's target: refused from the settings alone, nothing of it read.
    if ("refused" in choice) return refuse(choice.refused);
    const command: Command = parsed.kind === "command" ? parsed.command : { name: "help" };
    const entry = entryFor(command);
    const right = entry.right;
    for (const each of right ? policies : []) {
      const decision = await decide(context.octokit, target, user, right as Right, each);
      if (!decision.allowed)
        return refuse(
          `${code(commandText(command).split(" ").slice(0, 2).join(" "))} ${decision.reason}`,
        );
    }
    // A command that does no work (/help) is answered as a refusal is: a reply, no record.
    if ("says" in entry) return refuse(entry.says);
    // Every argument, by the core's own checks, before any record, exec, Job or read of the
    // repository: a bad db=, table, time or id costs nothing. The person's text is shown inert.
    try {
      entry.check?.(command, policy);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return refuse(`nothing was run: ${text(error.message)}`);
    }
    // The Role asked for at each command: one removed since the start is refused before
    // anything runs, one added since is served without a restart.
    const without = await targetsWithoutRole(options.cluster, chosen, (l) => context.log.warn(l));
    const noRole = roleMissing(chosen, without);
    if (noRole) return refuse(noRole);

    // Checked: now recorded, once. A redelivered webhook finds the record and stops here.
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
      targets: chosen.map((t) => t.name),
    };
    let first: boolean;
    try {
      first = await records.create(operation);
    } catch (error) {
      // Without its record a command could run twice; so it does not run at all.
      return refuse(
        `nothing was run: the cluster did not take the command's record (${text((error as Error).message)}). Try again.`,
      );
    }
    if (!first) {
      context.log.info(`delivery ${context.id}: comment ${comment.id} was handled before`);
      return false;
    }
    await context.octokit
      .request("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", {
        owner: target.owner,
        repo: target.repo,
        comment_id: comment.id,
        content: "eyes",
      })
      .catch((error: Error) => context.log.warn(`could not react: ${error.message}`));

    const log = (line: string) => context.log.info(`op ${operation.id}: ${line}`);
    const status = new StatusComment({
      octokit: context.octokit,
      target,
      heading: operationHeading(operation),
      log,
    });
    const contexts: CommandContext[] = chosen.map((t, i) => ({
      cluster: options.cluster,
      target: t.name,
      namespace: t.namespace,
      stanza: t.stanza,
      recordsNamespace: settings.recordsNamespace,
      policy: policies[i] ?? policy,
      records,
      operation,
      comment: status,
      octokit: context.octokit,
      annotations: {
        [REQUESTED_BY_ANNOTATION]: user,
        [REQUEST_URL_ANNOTATION]: comment.html_url,
        [DELIVERY_ID_ANNOTATION]: context.id,
        [OPERATION_ANNOTATION]: operation.id,
      },
      lockRenewMs: options.lockRenewMs,
      log,
    }));
    const [commandContext] = contexts;
    if (!commandContext) return false;
    if ("answer" in entry) {
      await entry.answer(commandContext, command, target);
      if (operation.state === "received") {
        operation.state = "succeeded";
        await records.save(operation);
      }
      return true;
    }

    await status.finish("⏳ Working on it.");
    operation.statusCommentId = status.id;
    operation.state = "running";
    await records.save(operation);
    const started = Date.now();
    let lock: HeldLockHandle | undefined;
    try {
      if (entry.lock)
        lock = await holdLock(
          options.cluster,
          commandContext.namespace,
          {
            operation: operation.id,
            command: commandText(command),
            requester: user,
            // A backup, validation or mark ends or fails on its own; nothing is half-done.
            ifInterrupted: "release",
          },
          options.lockRenewMs,
        );
      const outcome = await runOnEach(entry, contexts, command);
      operation.state = outcome.planned ? "planned" : "succeeded";
      // Recorded before it is shown: a confirmation may follow the plan at once.
      await records.save(operation);
      const took = ((Date.now() - started) / 1000).toFixed(1);
      await status.finish(
        `${outcome.result}\n\n_${outcome.planned ? "Planned" : "Done"} in ${took} s._`,
      );
    } catch (error) {
      operation.state = error instanceof LockedError ? "refused" : "failed";
      await status.finish(failureText(error));
    } finally {
      await lock?.release().catch(() => {});
      await records.save(operation);
    }
    return true;
  }

  /** Each target's lock on its own: one's failure does not keep another's from being looked at. */
  async function reconcile(log: (line: string) => void): Promise<void> {
    for (const each of settings.targets)
      await reconcileTarget(each, (line) => log(`target ${each.name}: ${line}`)).catch(
        (error: Error) => log(`target ${each.name}: could not look at the lock: ${error.message}`),
      );
  }

  async function reconcileTarget(each: BotTarget, log: (line: string) => void): Promise<void> {
    const found = await reconcilePlans(options.cluster, planSettings(each));
    if (!found) return;
    const { held } = found;
    if (found.found === "alive") {
      log(`the lock is held and renewed (another bot process?): ${describeHolder(held)}`);
      return;
    }
    if (!found.released) {
      log(`kept the lock of an interrupted restore: ${describeHolder(held)}`);
      return;
    }
    const record = await records.get(held.operation);
    if (record?.state === "running") {
      record.state = "failed";
      await records.save(record);
    }
    log(
      `released the lock of \`${held.command}\` (op ${held.operation}): its holder stopped renewing it at ${held.renewed}`,
    );
  }

  async function reapClones(log: (line: string) => void): Promise<void> {
    for (const each of settings.targets)
      for (const id of await reapExpiredClones(options.cluster, each.namespace))
        log(`target ${each.name}: removed clone ${id}: its time was up`);
  }

  return {
    app,
    async checkTargets(log) {
      for (const name of await targetsWithoutRole(options.cluster, settings.targets, log))
        log(`target ${name}: the bot has no Role in its namespace; its commands are refused`);
    },
    reconcile,
    reapClones,
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
