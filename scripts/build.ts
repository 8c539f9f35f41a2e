// Builds the Action's bundle, dist/index.js with dist/chunks/ (the local cluster runner and
// what only it uses, loaded when `cluster: local` asks for it), and dist/licenses.txt: the
// name, version, licence and licence text of every package the bundle contains (esbuild's
// metafile says which), since the bundle itself carries no legal comments. --check builds
// into a scratch directory and fails when dist/ differs: what a pull request must commit.
// Run: npm run build (or node scripts/build.ts --check)
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Every file under `dir`, relative to it, sorted; none when it does not exist. */
export function outputFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

const HELP = `usage: node scripts/build.ts [--check [--dist DIR]] [--outdir DIR]

Bundles src/action/main.ts into DIR/index.js (default dist/) for the Action's node24
runtime, and writes DIR/licenses.txt with the licence of every package in the bundle.
Prints the bundle's size and the packages it contains.

  --check        build into a scratch directory and exit 1 if dist/ is not what the
                 sources build (run npm run build and commit dist/)
  --dist DIR     with --check: the directory to check (default: dist)
  --outdir DIR   where to write (default: dist)
  -h, --help     show this text`;

export interface BundledPackage {
  name: string;
  version: string;
  license: string;
  /** The package's licence file, or "" when it ships none. */
  text: string;
}

/** The packages whose files are in the bundle, from esbuild's metafile, sorted by name. */
export function bundledPackages(metafile: esbuild.Metafile): BundledPackage[] {
  const dirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    // The last node_modules/ in the path is the package that holds the file.
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*\/node_modules\/)/.exec(input);
    if (match) dirs.add(input.slice(0, (match.index ?? 0) + match[0].length - 1));
  }
  const byName = new Map<string, BundledPackage>();
  for (const dir of dirs) {
    const manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
    const file = readdirSync(join(root, dir)).find((f) => /^licen[cs]e(\.|$)/i.test(f));
    const text = file ? readFileSync(join(root, dir, file), "utf8").trim() : "";
    const license =
      typeof manifest.license === "string" ? manifest.license : (manifest.license?.type ?? "");
    const found = { name: manifest.name, version: manifest.version, license, text };
    byName.set(`${found.name}@${found.version}`, found);
  }
  return [...byName.values()].sort((a, b) =>
    `${a.name}@${a.version}`.localeCompare(`${b.name}@${b.version}`),
  );
}

export function licensesText(packages: BundledPackage[]): string {
  const header = [
    "Third-party software in dist/index.js and dist/chunks/, the bundle of the mcpgov-backup Action.",
    "Each package's name, version and licence, then its licence text as it ships it.",
    "",
    ...packages.map((p) => `- ${p.name}@${p.version} (${p.license || "no licence field"})`),
  ];
  const texts = packages.map(
    (p) =>
      `${"=".repeat(78)}\n${p.name}@${p.version} — ${p.license}\n\n${p.text || "(the package ships no licence file; its package.json says: " + p.license + ")"}`,
  );
  return `${[...header, "", ...texts].join("\n")}\n`;
}

export async function build(outdir: string): Promise<{
  bytes: number;
  onDemandBytes: number;
  onDemand: number;
  packages: BundledPackage[];
}> {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["src/action/main.ts"],
    bundle: true,
    platform: "node",
    target: "node24",
    format: "esm",
    // The local cluster runner (cluster: local) and what only it uses go to chunks of
    // their own, loaded by its dynamic import: a workflow on a real cluster never reads them.
    splitting: true,
    outdir,
    entryNames: "index",
    chunkNames: "chunks/[name]-[hash]",
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  const packages = bundledPackages(result.metafile);
  writeFileSync(join(outdir, "licenses.txt"), licensesText(packages));
  // What index.js loads as it starts (its static imports, and theirs); the rest of the
  // chunks are read only by a dynamic import, such as the local runner's for cluster: local.
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((file) => file.endsWith("index.js")) ?? "";
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    for (const i of outputs[file]?.imports ?? []) if (i.kind === "import-statement") visit(i.path);
  };
  visit(entry);
  const size = (file: string) => outputs[file]?.bytes ?? 0;
  const onDemand = Object.keys(outputs).filter((f) => f.endsWith(".js") && !loaded.has(f));
  return {
    bytes: [...loaded].reduce((sum, file) => sum + size(file), 0),
    onDemandBytes: onDemand.reduce((sum, file) => sum + size(file), 0),
    onDemand: onDemand.length,
    packages,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      check: { type: "boolean" },
      outdir: { type: "string" },
      dist: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const dist = values.dist ?? join(root, "dist");
  const outdir = values.check
    ? mkdtempSync(join(tmpdir(), "mcpgov-backup-build-"))
    : (values.outdir ?? dist);
  try {
    // Chunks are named by their content: drop the last build's, so none is left behind.
    if (!values.check) rmSync(join(outdir, "chunks"), { recursive: true, force: true });
    const { bytes, onDemandBytes, onDemand, packages } = await build(outdir);
    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    console.log(
      `${relative(root, join(outdir, "index.js")) || outdir}: ${kib(bytes)} loaded at start, ${packages.length} packages (licenses.txt); ${kib(onDemandBytes)} in ${onDemand} chunks read only by cluster: local`,
    );
    if (!values.check) return 0;
    // A file either side lacks is stale too: a chunk renamed by a change, or left behind.
    const files = [...new Set([...outputFiles(dist), ...outputFiles(outdir)])].sort();
    const stale = files.filter(
      (file) =>
        !existsSync(join(dist, file)) ||
        !existsSync(join(outdir, file)) ||
        readFileSync(join(dist, file), "utf8") !== readFileSync(join(outdir, file), "utf8"),
    );
    if (stale.length === 0) {
      console.log(`${dist} is what the sources build`);
      return 0;
    }
    console.error(
      `${stale.map((file) => join(dist, file)).join(", ")} ${stale.length === 1 ? "is" : "are"} not what the sources build: run npm run build and commit dist/`,
    );
    return 1;
  } finally {
    if (values.check) rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`build failed: ${error.message}`);
      process.exit(1);
    },
  );
}
