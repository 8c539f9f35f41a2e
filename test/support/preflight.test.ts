// The refusals of the globalSetup (preflight.ts): each says what is wrong and what to do.
// The checks are src's own and read the machine directly, so each test changes one fact
// under them: the uid (a real process that is not root), /etc/passwd or /usr/lib/postgresql
// (node:fs answers for that one path only), or TMPDIR (a real directory postgres cannot enter).
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const fake = vi.hoisted(() => ({
  passwd: undefined as string | undefined,
  noPostgresql: false,
}));

vi.mock(import("node:fs"), async (importOriginal) => {
  const fs = await importOriginal();
  const readFileSync = ((path: Parameters<typeof fs.readFileSync>[0], ...rest: []) =>
    path === "/etc/passwd" && fake.passwd !== undefined
      ? fake.passwd
      : fs.readFileSync(path, ...rest)) as typeof fs.readFileSync;
  const existsSync = (path: Parameters<typeof fs.existsSync>[0]) =>
    path === "/usr/lib/postgresql" && fake.noPostgresql ? false : fs.existsSync(path);
  return { ...fs, readFileSync, existsSync, default: { ...fs.default, readFileSync, existsSync } };
});

// cleanup.ts (setupFiles) loaded src/local/host.ts before this file's mock: load it
// afresh, so that the checks read node:fs through the mock.
vi.resetModules();
const { checkMachine } = await import("./preflight.ts");

const made: string[] = [];

afterEach(() => {
  vi.unstubAllEnvs();
  fake.passwd = undefined;
  fake.noPostgresql = false;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("preflight", () => {
  it("passes on this machine, which runs the end-to-end tests", () => {
    expect(() => checkMachine()).not.toThrow();
  });

  it("tells a user who is not root to run again as root", () => {
    // A real process that becomes nobody once its modules are read (as root: the checkout
    // may be where only root can enter), as test/local/runner.test.ts does.
    const script = `import { checkMachine } from ${JSON.stringify(new URL("./preflight.ts", import.meta.url).pathname)};
      process.setgid(65534);
      process.setuid("nobody");
      try { checkMachine(); } catch (error) { console.error(error.message); process.exit(1); }`;
    const node = `${new URL("../..", import.meta.url).pathname}node_modules/.bin/node`;
    const result = spawnSync(node, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(result.stderr.trim()).toBe(
      "the local hosts run PostgreSQL and pgBackRest as the postgres user, which needs root: run again as root or with sudo",
    );
    expect(result.status).toBe(1);
  });

  it("tells a machine with no postgres user to run npm run setup", () => {
    const passwd = readFileSync("/etc/passwd", "utf8");
    expect(passwd).toMatch(/^postgres:/m);
    fake.passwd = passwd
      .split("\n")
      .filter((line) => !line.startsWith("postgres:"))
      .join("\n");
    expect(() => checkMachine()).toThrow(
      "no postgres user on this machine; run `npm run setup` (installs postgresql)",
    );
  });

  it("tells a machine without the PostgreSQL binaries to run npm run setup", () => {
    fake.noPostgresql = true;
    expect(() => checkMachine()).toThrow(
      "PostgreSQL server binaries not found under /usr/lib/postgresql; run `npm run setup` (installs postgresql and pgbackrest)",
    );
  });

  it("tells a machine with another pgBackRest release to run npm run setup", () => {
    // A real pgbackrest earlier on PATH, as Debian 12's package would be without setup.
    const bin = mkdtempSync(join(tmpdir(), "preflight-pgbackrest-"));
    made.push(bin);
    writeFileSync(join(bin, "pgbackrest"), "#!/bin/sh\necho 'pgBackRest 2.45'\n", { mode: 0o755 });
    vi.stubEnv("PATH", `${bin}:${process.env.PATH}`);
    expect(() => checkMachine()).toThrow(
      /^pgbackrest on PATH is 2\.45; the product is tested with pgBackRest \d+\.\d+\.\d+: run `npm run setup`/,
    );
  });

  it("tells a TMPDIR postgres cannot enter to point TMPDIR at one every user can enter", () => {
    // A real root-owned 0700 directory: runuser really fails to run the staged script.
    const closed = mkdtempSync(join(tmpdir(), "preflight-closed-"));
    made.push(closed);
    chmodSync(closed, 0o700);
    expect(statSync(closed)).toMatchObject({ uid: 0 });
    vi.stubEnv("TMPDIR", closed);

    let message = "";
    try {
      checkMachine();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      new RegExp(
        `^the postgres user cannot run ${closed}/mcpgov-backup-stage-\\w+/scripts/restore-validation\\.sh, staged for it under ${closed}: .*Permission denied`,
      ),
    );
    expect(message).toMatch(
      /\nPoint TMPDIR at a directory every user can enter \(such as \/tmp\) and run again\.$/,
    );
    // The staged copy is removed even when the check fails.
    expect(readdirSync(closed)).toEqual([]);
  });
});
