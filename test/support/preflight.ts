// vitest globalSetup: what the end-to-end tests need from this machine, checked once
// before any test runs, so that a machine which cannot run them is told why and what to
// do, at once, rather than by dozens of failures one after the other.
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { postgresBinDir, requireRoot, serviceUser } from "../../src/local/host.ts";
import { removeStage, stagedForService } from "../../src/local/lab/stage.ts";
import { installedPgbackrest, pinnedPgbackrest } from "./pgbackrest-version.ts";

export default function preflight(): void {
  checkMachine();
}

/**
 * Throws, at the first check that fails, the one message that says what to do. It reads
 * the machine through src's own checks (the uid, /etc/passwd, /usr/lib/postgresql, the
 * temporary directory), so test/support/preflight.test.ts changes those facts, not these checks.
 */
export function checkMachine(): void {
  requireRoot();
  serviceUser();
  postgresBinDir();
  // Every claim the tests make about pgBackRest is about this release, as the image runs.
  const installed = installedPgbackrest();
  const pinned = pinnedPgbackrest();
  if (installed !== pinned)
    throw new Error(
      `pgbackrest on PATH is ${installed}; the product is tested with pgBackRest ${pinned}: run \`npm run setup\` (scripts/install-pgbackrest.sh installs it)`,
    );
  // What runs as postgres is staged under the temporary directory, never run from the
  // checkout (which may be in root's 0700 home): postgres must be able to run it there.
  const probe = stagedForService("scripts", "restore-validation.sh");
  try {
    const result = spawnSync("runuser", ["-u", "postgres", "--", probe, "--help"], {
      cwd: "/",
      encoding: "utf8",
    });
    if (result.status !== 0) {
      throw new Error(
        `the postgres user cannot run ${probe}, staged for it under ${tmpdir()}: ` +
          `${(result.stderr || result.error?.message || "").trim()}\n` +
          "Point TMPDIR at a directory every user can enter (such as /tmp) and run again.",
      );
    }
  } finally {
    removeStage();
  }
}
