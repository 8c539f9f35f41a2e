// scripts/restore-fence.sh, as the restore Jobs and the postgres container run it: the
// restore marks the volume beside PGDATA before pgbackrest runs and unmarks it only on
// success; PostgreSQL's start refuses while the mark is there. pgbackrest and the
// entrypoint are stand-ins here; test/e2e/local-cluster.test.ts runs the real ones.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const script = new URL("../../scripts/restore-fence.sh", import.meta.url).pathname;

function volume(pgbackrestExit: number) {
  const dir = mkdtempSync(join(tmpdir(), "restore-fence-"));
  const pgdata = join(dir, "data", "pgdata");
  const bin = join(dir, "bin");
  mkdirSync(pgdata, { recursive: true });
  mkdirSync(bin);
  const marker = join(dir, "data", "mcpgov-backup-restore-in-progress");
  // The stand-in records whether the mark was there while it ran.
  writeFileSync(
    join(bin, "pgbackrest"),
    `#!/bin/sh\n[ -e '${marker}' ] && printf '%s\\n' "$@" >'${dir}/seen'\nexit ${pgbackrestExit}\n`,
  );
  chmodSync(join(bin, "pgbackrest"), 0o755);
  const run = (...args: string[]) =>
    spawnSync("sh", [script, ...args], {
      encoding: "utf8",
      env: { PATH: `${bin}:/usr/bin:/bin`, PGBACKREST_PG1_PATH: pgdata, HOSTNAME: "restore-abc12" },
    });
  /** The arguments pgbackrest got while the mark was there, one a line; "" if it was not. */
  const seen = () => (existsSync(join(dir, "seen")) ? readFileSync(join(dir, "seen"), "utf8") : "");
  return { marker, run, seen };
}

describe("scripts/restore-fence.sh", () => {
  it("marks the volume while pgbackrest restores, and unmarks it when the restore succeeded", () => {
    const { marker, run, seen } = volume(0);
    const target = "--target=2026-11-24 10:00:00+00; touch pwned $(reboot)";
    const restore = run("restore", "--delta", target, "restore");
    expect(restore.status).toBe(0);
    // Each argument reached pgbackrest as it was given: no shell parsed the target.
    expect(seen()).toBe(`--delta\n${target}\nrestore\n`);
    expect(existsSync(marker)).toBe(false);
    const start = run("start", "echo", "postgres started");
    expect(start.status).toBe(0);
    expect(start.stdout).toBe("postgres started\n");
  });

  it("keeps the mark when the restore failed, and PostgreSQL then refuses to start, saying why", () => {
    const { marker, run } = volume(28);
    const restore = run("restore", "--delta", "restore");
    expect(restore.status).toBe(28);
    expect(restore.stderr).toContain("the restore failed (exit 28)");
    expect(readFileSync(marker, "utf8")).toMatch(
      /^restore by pod restore-abc12, started \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, pgbackrest --delta restore\n$/,
    );
    const start = run("start", "echo", "postgres started");
    expect(start.status).toBe(1);
    expect(start.stdout).toBe("");
    expect(start.stderr).toContain("not starting PostgreSQL: restore in progress");
    expect(start.stderr).toContain(marker);
    expect(start.stderr).toContain("restore by pod restore-abc12");
    expect(start.stderr).toContain('docs/restore.md, "The restore mark"');
  });
});
