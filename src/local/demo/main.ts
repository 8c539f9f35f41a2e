// npm run demo: the backup story on a local cluster with real PostgreSQL and pgBackRest.
import { parseArgs } from "node:util";
import { stopOnSignals } from "../interrupt.ts";
import { runStory } from "./story.ts";
import { renderSummary, storyPassed } from "./summary.ts";

const HELP = `usage: npm run demo [-- --help]

Runs manifests/ on a local cluster on this machine, with real PostgreSQL and pgBackRest
in pods of their own (network, mount and PID namespaces), and tells the story the
product exists for: verify the manifests, deploy, create the stanza, take a full and a
differential backup from the CronJobs, run the weekly restore validation, mark a moment
before a risky change, drop a table by mistake between other writes, and bring the table
back from a clone of the mark while production keeps every later write. Prints each
step with its duration and a summary (backups, sizes, recovery window). A few minutes on two
cores. Needs root (network namespaces; PostgreSQL runs as the postgres user). Leaves
nothing behind, also when interrupted. Exits non-zero if any step fails.

  --help   show this text`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const started = performance.now();
  // Ctrl-C or a TERM stops the run at the next step and still removes what it made.
  const interrupt = stopOnSignals((line) => console.error(line));
  try {
    const result = await runStory({ log: (line) => console.log(line), signal: interrupt.signal });
    console.log(renderSummary(result, (performance.now() - started) / 1000));
    return storyPassed(result) ? 0 : 1;
  } catch (error) {
    console.error(`demo failed: ${(error as Error).message}`);
    return interrupt.exitCode() ?? 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`demo failed: ${error.message}`);
    process.exit(1);
  },
);
