// Restore time into an empty data directory, and time until the copy is consistent and
// accepts writes: pgBackRest's restore of the full backup of each setting, and
// pg_basebackup's archives extracted and started.
import {
  baseBackup,
  DEFAULTS,
  PRODUCT,
  type Variant,
  variantBackup,
  variantRepo,
} from "../support/backups.ts";
import { source } from "../support/dataset.ts";
import type { Lab } from "../support/lab.ts";
import { type RestoreResult, restoreCopy, timedRestore } from "../support/pg.ts";
import { shellQuote } from "../support/shell.ts";

export interface RestoreEntry extends RestoreResult {
  name: string;
  title: string;
}

/** Restores the variant's full backup into a new host and starts it until it accepts writes. */
export async function restoreFull(lab: Lab, variant: Variant): Promise<RestoreResult> {
  const db = await source(lab);
  const full = await variantBackup(lab, variant, "full");
  const env = await variantRepo(lab, variant);
  // The copy's restore_command reads WAL from the product's repository (the host's own).
  const host = await lab.host({ repoPath: db.host.repoPath });
  try {
    return await lab.step(`restore full backup, ${variant.title}; start until promoted`, () =>
      timedRestore(lab, host, () =>
        restoreCopy(
          host,
          [`--set=${full.label}`, "--type=immediate", "--target-action=promote"],
          env,
        ),
      ),
    );
  } finally {
    await lab.drop(host);
  }
}

export async function restores(lab: Lab): Promise<RestoreEntry[]> {
  const entries: RestoreEntry[] = [];
  for (const variant of [PRODUCT, DEFAULTS]) {
    entries.push({
      name: variant.name,
      title: variant.title,
      ...(await restoreFull(lab, variant)),
    });
  }
  for (const codec of ["gzip", "zstd"] as const) {
    const made = await baseBackup(lab, codec);
    const host = await lab.host();
    const decompress = codec === "gzip" ? "gzip -dc" : "zstd -qdc";
    try {
      const result = await lab.step(
        `extract pg_basebackup's ${codec} archive; start until promoted`,
        () =>
          timedRestore(lab, host, () =>
            host.run([
              "bash",
              "-c",
              `mkdir -m 0700 ${shellQuote(host.pgdata)} && ${decompress} ${shellQuote(made.archive)} | tar -xf - -C ${shellQuote(host.pgdata)}`,
            ]),
          ),
      );
      entries.push({
        name: `pg_basebackup-${codec}`,
        title: `pg_basebackup --compress=${made.compress}, extracted with tar`,
        ...result,
      });
    } finally {
      await lab.drop(host);
    }
  }
  return entries;
}
