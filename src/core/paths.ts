// Where the project's own files are: found from this module's location, so that the same
// code works from src/ and from the Action's bundle in dist/.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/** The directory holding the project's package.json (the checkout of the Action). */
export function projectRoot(): string {
  if (root) return root;
  for (
    let dir = dirname(fileURLToPath(import.meta.url));
    dir !== dirname(dir);
    dir = dirname(dir)
  ) {
    const manifest = join(dir, "package.json");
    if (
      existsSync(manifest) &&
      JSON.parse(readFileSync(manifest, "utf8")).name === "mcpgov-backup"
    ) {
      root = dir;
      return dir;
    }
  }
  throw new Error("cannot find the mcpgov-backup checkout (package.json) above this module");
}

export function projectPath(...parts: string[]): string {
  return join(projectRoot(), ...parts);
}
