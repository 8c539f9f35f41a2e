// What the postgres user runs from this checkout (the validation and metrics scripts, the
// exporters' query file, vm/install.sh) is copied into a staging directory it can read.
// A checkout may live where only root can enter (root's 0700 home, any `mktemp -d`), and
// its permissions are the user's, not ours to loosen. The copies belong to root and are
// read-only for everyone else, so a process running as postgres cannot change what root
// later runs; the directory is removed with removeStage().
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { projectPath } from "../../core/paths.ts";

let stageDir: string | undefined;

/** The staging directory of this process, made on first use (root's, mode 0755). */
export function stageRoot(): string {
  if (stageDir === undefined) {
    stageDir = mkdtempSync(join(tmpdir(), "mcpgov-backup-stage-"));
    chmodSync(stageDir, 0o755);
  }
  return stageDir;
}

/**
 * The checkout's file at `parts` (relative to the project root), copied afresh to the
 * same relative path under the staging directory, where any user can read it and, if
 * it is executable, run it.
 */
export function stagedForService(...parts: string[]): string {
  const source = projectPath(...parts);
  const target = join(stageRoot(), ...parts);
  for (let dir = dirname(target); dir.length > stageRoot().length; dir = dirname(dir)) {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
  }
  copyFileSync(source, target);
  chmodSync(target, statSync(source).mode & 0o111 ? 0o755 : 0o644);
  return target;
}

/** Removes the staging directory; the next stagedForService() makes a new one. */
export function removeStage(): void {
  if (stageDir !== undefined) rmSync(stageDir, { recursive: true, force: true });
  stageDir = undefined;
}
