// The one pgBackRest release the product is tested with: scripts/install-pgbackrest.sh
// pins it (and the image installs it with that script), so the tests read it from there.
import { spawnSync } from "node:child_process";
import { projectPath } from "../../src/core/paths.ts";

export function pinnedPgbackrest(): string {
  const result = spawnSync(
    "bash",
    [projectPath("scripts", "install-pgbackrest.sh"), "--print-version"],
    {
      encoding: "utf8",
    },
  );
  const version = result.stdout.trim();
  if (result.status !== 0 || !/^\d+\.\d+(\.\d+)?$/.test(version))
    throw new Error(
      `scripts/install-pgbackrest.sh --print-version said: ${result.stdout}${result.stderr}`,
    );
  return version;
}

/** What `pgbackrest version` says on this machine's PATH, or what went wrong. */
export function installedPgbackrest(): string {
  const result = spawnSync("pgbackrest", ["version"], { encoding: "utf8" });
  if (result.error) return `none (${result.error.message})`;
  return result.stdout.trim().replace(/^pgBackRest /, "");
}
