// Damages a backup set in a repository the way a bad disk would, so that restoring it must
// fail: the file holding pg_control, which every restore reads. pgBackRest keeps it as
// pg_data/global/pg_control.<ext> or, with repo-bundle=y, inside one of the set's bundles,
// so then every bundle is damaged. Returns the files it overwrote.
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function damageBackup(setDir: string): string[] {
  const control = join(setDir, "pg_data", "global", "pg_control.zst");
  const bundles = join(setDir, "bundle");
  const files = existsSync(control)
    ? [control]
    : existsSync(bundles)
      ? readdirSync(bundles).map((name) => join(bundles, name))
      : [];
  if (files.length === 0) throw new Error(`${setDir} holds neither pg_control.zst nor bundles`);
  // Overwritten in place: the owner and mode stay the repository's.
  for (const file of files) writeFileSync(file, "not a zstd frame");
  return files;
}
