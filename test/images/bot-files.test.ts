// The bot's image holds every file the bot reads at run time. The file set is read from
// images/bot/Dockerfile (its COPY lines, .dockerignore applied) and the modules from its
// CMD and their imports; every path those modules read through projectPath() is in the
// set, and every package they import is one `npm ci --omit=dev` installs. The same file
// set, copied into a directory, starts the bot and builds a clone from there.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { projectPath } from "../../src/core/paths.ts";

const dockerfile = fs.readFileSync(projectPath("images/bot/Dockerfile"), "utf8");

/** The Dockerfile's instructions, continued lines joined, comments left out. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"))
  .map((line) => {
    const [op = "", ...args] = line.split(/\s+/);
    return { op: op.toUpperCase(), args };
  });

/** What .dockerignore keeps out of the build context: plain paths (no patterns are read here). */
const ignored = fs
  .readFileSync(projectPath(".dockerignore"), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));

/** The files of the build context under a path (itself, if a file), as context paths. */
function contextFiles(path: string): string[] {
  const source = posix.normalize(path).replace(/\/$/, "");
  const files = fs.statSync(projectPath(source)).isDirectory()
    ? fs
        .readdirSync(projectPath(source), { recursive: true, encoding: "utf8" })
        .map((entry) => posix.join(source, entry))
        .filter((file) => fs.statSync(projectPath(file)).isFile())
    : [source];
  return files.filter(
    (file) => !ignored.some((entry) => file === entry || file.startsWith(`${entry}/`)),
  );
}

/** Every file the COPY lines put into the image: its path there, and its path here. */
function imageFiles(): Map<string, string> {
  const files = new Map<string, string>();
  let workdir = "/";
  for (const { op, args } of instructions) {
    if (op === "WORKDIR") workdir = posix.resolve(workdir, args.join(" "));
    if (op === "ADD") throw new Error("the bot's Dockerfile ADDs: read it here, or COPY instead");
    if (op !== "COPY") continue;
    if (args.some((arg) => arg.startsWith("--from") || arg.startsWith("[")))
      throw new Error(`COPY ${args.join(" ")} is not read here: teach this test its form`);
    const [dest = "", ...sources] = args.filter((arg) => !arg.startsWith("--")).reverse();
    const target = posix.resolve(workdir, dest);
    const intoDir = dest.endsWith("/") || sources.length > 1;
    for (const source of sources.reverse())
      for (const file of contextFiles(source)) {
        const under = posix.relative(posix.normalize(source), file);
        const at =
          under !== ""
            ? posix.join(target, under)
            : intoDir
              ? posix.join(target, posix.basename(file))
              : target;
        files.set(at, file);
      }
  }
  return files;
}

const image = imageFiles();
/** Where projectRoot() finds itself in the image: the directory of the package.json copied. */
const imageRoot = posix.dirname(
  [...image].find(([, file]) => file === "package.json")?.[0] ?? "/package.json is not copied",
);
const cmd = instructions.findLast((i) => i.op === "CMD")?.args.join(" ") ?? "[]";
const entry = (JSON.parse(cmd) as string[]).find((arg) => arg.endsWith(".ts")) ?? "";

/** The modules the CMD runs: its entry and what it imports, at load time, not for types. */
function modules(): Map<string, string> {
  const found = new Map<string, string>();
  const pending = [posix.join(imageRoot, entry)];
  for (let at = pending.pop(); at !== undefined; at = pending.pop()) {
    const file = image.get(at);
    if (file === undefined) throw new Error(`${at} is imported but not in the image`);
    if (found.has(file)) continue;
    const text = fs.readFileSync(projectPath(file), "utf8");
    found.set(file, text);
    // `import type` is erased; dynamic imports are --local's (the local runner, not run in the image).
    for (const [, specifier = ""] of text.matchAll(
      /^(?:import|export)\s+(?!type\s)(?:[^;"]*?\sfrom\s+)?"(\.[^"]+)"/gm,
    ))
      pending.push(posix.join(posix.dirname(at), specifier));
  }
  return found;
}

const bot = modules();

interface Read {
  /** A path below the project's root, or the start of one (a template literal's). */
  path: string;
  prefix: boolean;
  by: string;
}

/** Every projectPath() call of the bot's modules, read from the source. */
function reads(): Read[] {
  const found: Read[] = [];
  for (const [file, text] of bot) {
    if (file === "src/core/paths.ts") continue;
    if (text.includes("projectRoot("))
      throw new Error(`${file} reads from projectRoot(): name the path with projectPath()`);
    for (const [call, args = ""] of text.matchAll(/projectPath\(([^)]*)\)/g)) {
      const parts = args.split(",").map((arg) => arg.trim());
      const last = parts.pop() ?? "";
      const literal = (arg: string) => /^"([^"]*)"$/.exec(arg)?.[1];
      const start = /^`([^`$]*)(\$\{)?[^`]*`$/.exec(last);
      const head = parts.map(literal);
      const tail = literal(last) ?? start?.[1];
      if (head.includes(undefined) || tail === undefined)
        throw new Error(`${file}: ${call} reads a path this test cannot tell; name it literally`);
      found.push({ path: posix.join(...(head as string[]), tail), prefix: !!start?.[2], by: file });
    }
  }
  return found;
}

describe("images/bot/Dockerfile's files", () => {
  it("holds the module its CMD runs and every module that imports", () => {
    expect(entry).toMatch(/\.ts$/);
    expect(bot.size).toBeGreaterThan(1);
    expect(bot.has("src/core/paths.ts")).toBe(true);
  });

  it("holds every file the bot reads through projectPath()", () => {
    const found = reads();
    expect(found.map((read) => read.by)).toContain("src/core/clone-objects.ts");
    const missing = found.flatMap(({ path, prefix, by }) => {
      const wanted = prefix
        ? contextFiles(posix.dirname(`${path}_`)).filter((file) => file.startsWith(path))
        : [path];
      if (wanted.length === 0) return [`${path}* (${by}): nothing here matches`];
      return wanted
        .filter((file) => image.get(posix.join(imageRoot, file)) !== file)
        .map((file) => `${file} (read by ${by})`);
    });
    expect(missing).toEqual([]);
  });

  it("installs every package the bot imports: production dependencies only", () => {
    const manifest = JSON.parse(fs.readFileSync(projectPath("package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev /m);
    const packages = new Set<string>();
    for (const text of bot.values())
      for (const [, name = ""] of text.matchAll(
        /^(?:import|export)\s+(?!type\s)(?:[^;"]*?\sfrom\s+)?"((?:@[^/"]+\/)?[^./"][^/"]*)[^"]*"/gm,
      ))
        if (!name.startsWith("node:")) packages.add(name);
    expect(packages.size).toBeGreaterThan(0);
    expect([...packages].filter((name) => !(name in manifest.dependencies))).toEqual([]);
  });

  it("starts the bot and builds a clone from a copy of the image's files", () => {
    const dir = fs.mkdtempSync(join(tmpdir(), "mcpgov-backup-bot-image-"));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    for (const [at, file] of image) {
      fs.mkdirSync(dirname(join(dir, at)), { recursive: true });
      fs.copyFileSync(projectPath(file), join(dir, at));
    }
    const app = join(dir, imageRoot);
    // In place of the image's `npm ci --omit=dev` (the test above holds what it installs).
    if (!fs.existsSync(join(app, "node_modules")))
      fs.symlinkSync(projectPath("node_modules"), join(app, "node_modules"));
    const starter = join(app, "test/images/start-bot.ts");
    fs.mkdirSync(dirname(starter), { recursive: true });
    fs.copyFileSync(projectPath("test/images/start-bot.ts"), starter);
    const printed = execFileSync(process.execPath, [starter], {
      cwd: app,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(printed.trim()).toBe(fs.realpathSync(app));
  });
});
