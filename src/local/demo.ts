// npm run demo: run the backup story on this machine with real PostgreSQL and pgBackRest.
import { parseArgs } from "node:util";
import { firstRun } from "./first-run.ts";
import { renderFirstRunSummary } from "./summary.ts";

const HELP = `usage: npm run demo [-- --keep] [-- --help]

Runs PostgreSQL and pgBackRest on this machine with the configuration in manifests/:
stanza-create, a full and a differential backup with the CronJobs' own command lines,
pgbackrest info, then restores the full backup into a second data directory and checks
that it holds exactly the rows committed before that backup. Needs root (PostgreSQL and
pgBackRest run as the postgres user). Exits non-zero if any step fails.

  --keep   keep the temporary data directories and repository for inspection
  --help   show this text`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { keep: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const started = performance.now();
  // Ctrl-C or a TERM stops the run at the next step and still removes what it made.
  const interrupt = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`${signal}: stopping after the current step and cleaning up`);
      interrupt.abort(new Error(`interrupted by ${signal}`));
    });
  }
  const result = await firstRun({
    manifestsDir: new URL("../../manifests", import.meta.url).pathname,
    keep: values.keep ?? false,
    log: (line) => console.log(line),
    signal: interrupt.signal,
  });
  console.log(renderFirstRunSummary(result, (performance.now() - started) / 1000));
  return result.rowsRestored === result.rowsBeforeFull ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`demo failed: ${error.message}`);
    process.exit(1);
  },
);
