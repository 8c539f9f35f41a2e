// Running one Job as a step of a command: shown in the status comment, attached to when it
// already exists, and when it fails, its pods' states, events and log tail folded in.
import type { KubeObject } from "../../core/cluster.ts";
import { type JobRun, runJobOnce } from "../../core/jobs.ts";
import { explainPgbackrest } from "../../core/pgbackrest/errors.ts";
import { code } from "../status-comment.ts";
import { type CommandContext, StoppedError, timeoutMs } from "./context.ts";

export function logTail(logs: string, lines = 40): string {
  return logs.trimEnd().split("\n").slice(-lines).join("\n");
}

export async function jobStep(
  context: CommandContext,
  title: string,
  job: KubeObject,
): Promise<JobRun> {
  const name = job.metadata.name;
  const run = await context.comment
    .step(`${title}: Job ${code(name)}`, async () => {
      const run = await runJobOnce(context.cluster, job, timeoutMs(context));
      if (run.result.outcome !== "Complete") {
        const meaning = explainPgbackrest(run.logs);
        throw new StoppedError(`${title} failed${meaning ? `: ${meaning}` : ""}`);
      }
      context.comment.attach(`Job ${name}: last lines of its log`, logTail(run.logs, 20));
      return run;
    })
    .catch(async (error: Error) => {
      await attachFailure(context, name);
      throw error;
    });
  return run;
}

async function attachFailure(context: CommandContext, name: string): Promise<void> {
  const { cluster, namespace } = context;
  const described = await cluster
    .describeJob(namespace, name)
    .catch((e: Error) => `could not describe job/${name}: ${e.message}`);
  const logs = await cluster
    .logs(namespace, `job/${name}`)
    .catch((e: Error) => `could not read the log of job/${name}: ${e.message}`);
  context.comment.attach(`Job ${name}: pods and events`, described);
  context.comment.attach(`Job ${name}: last lines of its log`, logTail(logs));
}
