// npm run bench: backup, restore, validation, archiving, the bot and the Action measured
// on this machine against the alternatives and the machine's limit; writes
// docs/benchmarks.json and renders docs/benchmarks.md from it.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { projectPath } from "../src/core/paths.ts";
import { requireRoot } from "../src/local/host.ts";
import { stopOnSignals } from "../src/local/interrupt.ts";
import { renderCapacity } from "./report/capacity.ts";
import { renderScalingSvg, SCALING_SVG } from "./report/plot.ts";
import { renderReport } from "./report/render.ts";
import { type BenchResults, SUITES, type SuiteName } from "./report/results.ts";
import { action } from "./suites/action.ts";
import { archiving } from "./suites/archiving.ts";
import { backups } from "./suites/backup.ts";
import { bot } from "./suites/bot.ts";
import { limits } from "./suites/limits.ts";
import { pitr } from "./suites/pitr.ts";
import { replay } from "./suites/replay.ts";
import { restores } from "./suites/restore.ts";
import { scaling } from "./suites/scaling.ts";
import { validation } from "./suites/validation.ts";
import { source } from "./support/dataset.ts";
import { Lab } from "./support/lab.ts";
import { machine } from "./support/machine.ts";
import { productSettings } from "./support/product.ts";
import { round } from "./support/stats.ts";

const HELP = `usage: npm run bench -- [--size-gb N] [--sizes LIST] [--beyond-memory-gb N]
                         [--memory-limit-mib M] [--only SUITE[,SUITE]] [--small] [--out DIR]

Measures, on this machine, with real PostgreSQL and pgBackRest configured from manifests/:
backup (full, diff, incr; the product's settings, pgBackRest's defaults, candidates,
pg_basebackup gzip and zstd), restore, in-place PITR with --delta, PITR against the WAL to
replay, restore validation, how full and incr backups, in-place PITR and validation grow
with the database (one database per size of --sizes), WAL archiving under pgbench, the
machine's limit (reading and compressing PGDATA), the bot's webhook-to-Job latency and
the Action's bundle. Writes DIR/benchmarks.json, renders DIR/benchmarks.md, the plot
DIR/benchmarks-scaling.svg and the capacity model DIR/capacity.md from it. Not part of
npm test: a run with the defaults took 1276 s on two cores (its scaling suite, with the
capacity model's costs and the size beyond memory, 607 s of it). It uses every core, and
at its peak, while the scaling suite holds its 4 GiB database, about 45 GB of disk under
the system's temporary directory (estimated). Needs root (PostgreSQL runs as
the postgres user; the page cache is dropped before timed runs). Leaves nothing behind,
also when interrupted: Ctrl-C (or TERM) stops at the end of the current step, removes
every server and directory the run made, writes no report and exits 130 (143).

  --size-gb N       size of the generated database in GiB for every suite but scaling
                    (default 2)
  --sizes LIST      the database sizes the scaling suite measures, GiB, at least three
                    (default 1,2,4); each is generated, measured and removed in turn
  --beyond-memory-gb N
                    one more scaling size, measured with the database's, pgBackRest's
                    and the bench's processes in a memory cgroup smaller than the
                    database, so its page cache cannot hold it (default 3; 0 for none)
  --memory-limit-mib M
                    that cgroup's limit (default a quarter of the size, at least 768 MiB:
                    shared_buffers is 256 MB)
  --only LIST       run only these suites: ${SUITES.join(", ")}
  --small           check the bench itself in minutes, not for docs/: --size-gb 0.25
                    --sizes 0.1,0.2,0.3 --beyond-memory-gb 1 --memory-limit-mib 640,
                    written to --out (default the system's temporary directory); give
                    --only to narrow it further (--only scaling: the capacity model)
  --out DIR         where to write benchmarks.json, benchmarks.md, the plot and
                    capacity.md (default docs/)
  --warm-cache      do not drop the page cache before timed runs
  --report-only     render DIR/benchmarks.md and the plot from DIR/benchmarks.json,
                    measure nothing
  --help            show this text`;

/** benchmarks.md, and the scaling plot and capacity.md when the run measured scaling. */
function writeReport(out: string, results: BenchResults): string[] {
  const written = [join(out, "benchmarks.md")];
  writeFileSync(written[0] as string, renderReport(results));
  const svg = renderScalingSvg(results);
  if (svg !== undefined) {
    written.push(join(out, SCALING_SVG));
    writeFileSync(join(out, SCALING_SVG), svg);
  }
  if (results.suites.scaling) {
    written.push(join(out, "capacity.md"));
    writeFileSync(join(out, "capacity.md"), renderCapacity(results));
  }
  return written;
}

/** The cgroup limit for a size beyond memory: a quarter of it, at least 768 MiB. */
function memoryLimitBytes(sizeGb: number, limitMib: string | undefined): number {
  const bytes = limitMib
    ? Number(limitMib) * 2 ** 20
    : Math.max(768 * 2 ** 20, (sizeGb * 2 ** 30) / 4);
  if (!(bytes > 0 && bytes < sizeGb * 2 ** 30))
    throw new Error("--memory-limit-mib: give a limit smaller than the size beyond memory");
  return bytes;
}

/** "1,2,4" → [1, 2, 4]: at least three sizes, each in (0, 1000] GiB, smallest first. */
function parseSizes(text: string): number[] {
  const sizes = text.split(",").map((x) => Number(x.trim()));
  if (sizes.length < 3 || sizes.some((x) => !(x > 0 && x <= 1000)))
    throw new Error("--sizes: give at least three sizes in GiB, such as 1,2,4");
  if (new Set(sizes).size !== sizes.length) throw new Error("--sizes: a size is given twice");
  return sizes.sort((a, b) => a - b);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      help: { type: "boolean", short: "h" },
      "size-gb": { type: "string", default: "2" },
      sizes: { type: "string" },
      "beyond-memory-gb": { type: "string" },
      "memory-limit-mib": { type: "string" },
      only: { type: "string" },
      small: { type: "boolean" },
      out: { type: "string" },
      "warm-cache": { type: "boolean" },
      "report-only": { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  // --small: a quick check of the bench, whose figures must not replace docs/'s.
  const small = values.small === true;
  const out = resolve(
    values.out ?? (small ? join(tmpdir(), "mcpgov-backup-bench-small") : projectPath("docs")),
  );
  const jsonFile = join(out, "benchmarks.json");
  if (values["report-only"]) {
    const written = writeReport(out, JSON.parse(readFileSync(jsonFile, "utf8")) as BenchResults);
    console.error(`rendered ${written.join(" and ")}`);
    return 0;
  }
  const sizeGb = Number(small && values["size-gb"] === "2" ? "0.25" : values["size-gb"]);
  if (!(sizeGb > 0 && sizeGb <= 1000))
    throw new Error("--size-gb: give a size in GiB, such as 2 or 0.5");
  const beyondMemoryGb = Number(values["beyond-memory-gb"] ?? (small ? "1" : "3"));
  if (!(beyondMemoryGb >= 0 && beyondMemoryGb <= 1000))
    throw new Error("--beyond-memory-gb: give a size in GiB, or 0 for none");
  const measuredSizes = parseSizes(values.sizes ?? (small ? "0.1,0.2,0.3" : "1,2,4"));
  if (measuredSizes.includes(beyondMemoryGb))
    throw new Error("--beyond-memory-gb: give a size that --sizes does not list");
  const sizesGb = (beyondMemoryGb > 0 ? [...measuredSizes, beyondMemoryGb] : measuredSizes).sort(
    (a, b) => a - b,
  );
  const memoryLimits: Record<number, number> =
    beyondMemoryGb > 0
      ? {
          [beyondMemoryGb]: memoryLimitBytes(
            beyondMemoryGb,
            values["memory-limit-mib"] ?? (small ? "640" : undefined),
          ),
        }
      : {};
  const only = (values.only ?? SUITES.join(",")).split(",").filter(Boolean);
  for (const name of only)
    if (!(SUITES as readonly string[]).includes(name))
      throw new Error(`--only: unknown suite ${name}; the suites are ${SUITES.join(", ")}`);
  requireRoot();

  // Ctrl-C or TERM: stop before the next step and remove everything made so far.
  const interrupt = stopOnSignals((line) => console.error(line));
  const failure = new AbortController();
  const stop = AbortSignal.any([interrupt.signal, failure.signal]);
  const lab = new Lab({
    manifestsDir: projectPath("manifests"),
    sizeGb,
    sizesGb,
    memoryLimits,
    coldCache: !values["warm-cache"],
    signal: stop,
  });
  // A promise nobody awaited failed: stop like Ctrl-C, so the run still cleans up.
  process.on("unhandledRejection", (error) => {
    lab.log(`unexpected failure: ${(error as Error)?.message ?? error}`);
    failure.abort(error);
  });
  process.once("exit", () => lab.disposeSync());
  const results: BenchResults = {
    schema: "mcpgov-backup/bench/v1",
    command: `npm run bench -- --size-gb ${sizeGb} --sizes ${measuredSizes.join(",")} --beyond-memory-gb ${beyondMemoryGb}${values.only ? ` --only ${values.only}` : ""}${values["warm-cache"] ? " --warm-cache" : ""}`,
    machine: machine(),
    sizeGb,
    sizesGb,
    coldCache: lab.coldCache,
    productSettings: productSettings(),
    suites: {},
    suiteSeconds: {},
    errors: [],
    totalSeconds: 0,
  };
  const runners: Record<SuiteName, () => Promise<unknown>> = {
    limits: () => limits(lab),
    backup: () => backups(lab),
    restore: () => restores(lab),
    pitr: () => pitr(lab),
    replay: () => replay(lab),
    validation: () => validation(lab),
    scaling: () => scaling(lab),
    archiving: () => archiving(lab),
    bot: () => bot(lab),
    action: () => action(lab),
  };
  const started = performance.now();
  try {
    for (const name of SUITES) {
      if (!only.includes(name)) continue;
      if (stop.aborted) break;
      lab.log(`━━ suite ${name}`);
      const suiteStarted = performance.now();
      try {
        (results.suites as Record<string, unknown>)[name] = await runners[name]();
      } catch (error) {
        const message = (error as Error).message;
        lab.log(`suite ${name} failed: ${message}`);
        results.errors.push({ suite: name, message: message.slice(0, 2000) });
      }
      results.suiteSeconds[name] = round((performance.now() - suiteStarted) / 1000, 1);
      if (lab.has("source") && !results.dataset) {
        const db = await source(lab).catch(() => undefined);
        if (db)
          results.dataset = {
            rows: db.rows,
            databaseBytes: db.databaseBytes,
            pgdataBytes: db.pgdataBytes,
            loadSeconds: db.loadSeconds,
          };
      }
    }
  } finally {
    lab.log("━━ cleaning up");
    await lab.dispose();
  }
  const interrupted = interrupt.exitCode();
  if (interrupted !== undefined) {
    // A partial run's figures would replace a whole run's: the report stays as it was.
    lab.log(`interrupted: everything removed; ${jsonFile} left as it was`);
    return interrupted;
  }
  results.totalSeconds = round((performance.now() - started) / 1000, 1);
  mkdirSync(out, { recursive: true });
  writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  const written = writeReport(out, results);
  lab.log(`wrote ${[jsonFile, ...written].join(", ")} in ${results.totalSeconds}s`);
  return results.errors.length === 0 && !stop.aborted ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`bench failed: ${error.message}`);
    process.exit(1);
  },
);
