// The backups several suites need, each taken once per run (memoised in the lab): the
// product's full backup, full backups with other pgBackRest settings in repositories of
// their own, and pg_basebackup archives.
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { source } from "./dataset.ts";
import type { Lab } from "./lab.ts";
import { archiveNow, type BackupResult, backup, dirBytes, type Settings, stanzaOf } from "./pg.ts";
import { productCodec, productLayout } from "./product.ts";
import { timed } from "./stats.ts";

export interface Variant {
  name: string;
  /** What a reader is told it is. */
  title: string;
  /** Overrides of manifests/pgbackrest-config.yaml (PGBACKREST_* beat the file). */
  settings: Settings;
}

const codec = productCodec();
const layout = productLayout();

/** The manifests' settings, unchanged. */
export const PRODUCT: Variant = {
  name: "product",
  title: `product (manifests: ${[`${codec.type} level ${codec.level}`, `process-max ${codec.processes}`, ...layout].join(", ")})`,
  settings: {},
};

/**
 * The product's settings measured as every candidate is: a repository of its own and no
 * archive check. The product's backups wait until their last WAL segment is archived; the
 * candidates' repositories get no WAL, so comparing them with the product's own figures
 * would count that wait against the product.
 */
export const LIKE_PRODUCT: Variant = {
  name: "product-candidate",
  title: "product's settings as a candidate (own repository, no archive check)",
  settings: {},
};

/** What pgBackRest does out of the box: gzip level 6, one process. */
export const DEFAULTS: Variant = {
  name: "defaults",
  title: "pgBackRest defaults (gz level 6, process-max 1)",
  settings: {
    PGBACKREST_COMPRESS_TYPE: "gz",
    PGBACKREST_COMPRESS_LEVEL: "6",
    PGBACKREST_PROCESS_MAX: "1",
  },
};

/** The block sizes measured besides pgBackRest's own choice, KiB: one and two PostgreSQL pages. */
export const BLOCK_SIZES = [8, 16] as const;

const productBundles = productLayout().includes("repo1-bundle=y");

/** The product with bundling the other way round: the "bundle" variant. */
const BUNDLE_FLIPPED: Variant = productBundles
  ? {
      name: "bundle",
      title: "product with repo1-bundle=n (repo1-block=n)",
      settings: { PGBACKREST_REPO1_BUNDLE: "n", PGBACKREST_REPO1_BLOCK: "n" },
    }
  : {
      name: "bundle",
      title: "product + repo1-bundle=y (repo1-block=n)",
      settings: { PGBACKREST_REPO1_BUNDLE: "y", PGBACKREST_REPO1_BLOCK: "n" },
    };

/** Other settings the product could ship, measured for the choice of defaults. */
export const CANDIDATES: Variant[] = [
  LIKE_PRODUCT,
  // The other zstd level: 3 (pgBackRest's zstd default) against the product's 1, or 1.
  {
    name: "zst-other-level",
    title: `zst level ${codec.level === 3 ? 1 : 3}, process-max ${codec.processes}`,
    settings: {
      PGBACKREST_COMPRESS_TYPE: "zst",
      PGBACKREST_COMPRESS_LEVEL: codec.level === 3 ? "1" : "3",
    },
  },
  {
    name: "lz4",
    title: `lz4, process-max ${codec.processes}`,
    settings: { PGBACKREST_COMPRESS_TYPE: "lz4" },
  },
  {
    name: "one-process",
    title: `${codec.type} level ${codec.level}, process-max 1`,
    settings: { PGBACKREST_PROCESS_MAX: "1" },
  },
  // Each repository layout says both options, so that what the manifests set does not leak
  // in. Bundling is measured as the other choice from the manifests': without it when they
  // bundle, with it when they do not.
  BUNDLE_FLIPPED,
  {
    name: "block",
    title: "product + repo1-bundle=y, repo1-block=y (block incremental, pgBackRest's block sizes)",
    settings: { PGBACKREST_REPO1_BUNDLE: "y", PGBACKREST_REPO1_BLOCK: "y" },
  },
  // pgBackRest picks a block size from each file's size (16 KiB for 11 to 43 MB, 24 KiB up
  // to 96 MB, then up to 88 KiB for a 1 GiB segment) and age. A 1 % uniform update touches
  // about one 8 KiB page in five of this table (18 rows a page), so a block of several
  // pages nearly always holds a changed row and the incr stores most of the file again.
  // The size map (repo-block-size-map: file size=block size, "1=" for every file) makes
  // the blocks one or two pages.
  ...BLOCK_SIZES.map((kib) => ({
    name: `block-${kib}k`,
    title: `product + repo1-bundle=y, repo1-block=y, repo1-block-size-map=1=${kib}KiB (${kib} KiB blocks)`,
    settings: {
      PGBACKREST_REPO1_BUNDLE: "y",
      PGBACKREST_REPO1_BLOCK: "y",
      PGBACKREST_REPO1_BLOCK_SIZE_MAP: `1=${kib}KiB`,
    },
  })),
];

/** The settings whose incremental and differential backups are measured too. */
export const INCREMENTAL: Variant[] = [
  PRODUCT,
  DEFAULTS,
  ...CANDIDATES.filter(
    (c) => c === LIKE_PRODUCT || c.name === "bundle" || c.name.startsWith("block"),
  ),
];

/** The product's full backup of the source database, with the full-backup CronJob's command. */
export function productFull(lab: Lab): Promise<BackupResult> {
  return lab.once("full:product", async () => {
    const { host } = await source(lab);
    return lab.step("full backup, product settings", () => backup(lab, host, "full"));
  });
}

/**
 * A repository of the variant's own (stanza-create there) and the settings that reach it.
 * WAL is archived only to the product's repository, so its backups skip the archive
 * check and restores from it fetch WAL from the product's repository.
 */
export function variantRepo(lab: Lab, variant: Variant): Promise<Settings> {
  if (variant === PRODUCT) return Promise.resolve({});
  return lab.once(`repo:${variant.name}`, async () => {
    const { host } = await source(lab);
    const settings = {
      ...variant.settings,
      PGBACKREST_REPO1_PATH: lab.dir(`repo-${variant.name}`),
    };
    await host.run(["pgbackrest", `--stanza=${stanzaOf(host)}`, "stanza-create"], {
      env: settings,
    });
    return settings;
  });
}

export function variantBackup(
  lab: Lab,
  variant: Variant,
  type: BackupResult["type"],
): Promise<BackupResult> {
  if (variant === PRODUCT && type === "full") return productFull(lab);
  const run = async () => {
    const { host } = await source(lab);
    const env = await variantRepo(lab, variant);
    if (type !== "full") await variantBackup(lab, variant, "full");
    const extra = variant === PRODUCT ? [] : ["--no-archive-check"];
    const result = await lab.step(`${type} backup, ${variant.title}`, () =>
      backup(lab, host, type, { env, extra }),
    );
    // Restores from this repository replay WAL from the product's: make sure it is there.
    if (variant !== PRODUCT) await archiveNow(host);
    return result;
  };
  // Fulls are shared; diff and incr depend on what changed since, so each call runs one.
  return type === "full" ? lab.once(`full:${variant.name}`, run) : run();
}

export interface BaseBackup {
  codec: "gzip" | "zstd";
  /** pg_basebackup's --compress. */
  compress: string;
  dir: string;
  archive: string;
  seconds: number;
  bytes: number;
}

/** pg_basebackup -Ft -X fetch with the codec, from a cold cache; gzip on the client, zstd on the server with all cores. */
export function baseBackup(lab: Lab, codec: BaseBackup["codec"]): Promise<BaseBackup> {
  return lab.once(`basebackup:${codec}`, async () => {
    const { host } = await source(lab);
    const compress =
      codec === "gzip" ? "client-gzip" : `server-zstd:workers=${availableParallelism()}`;
    const dir = join(lab.dir(`basebackup-${codec}`), "backup");
    const run = await lab.step(`pg_basebackup --compress=${compress}`, () => {
      lab.dropCaches();
      return timed(() =>
        host.run([
          "pg_basebackup",
          `--host=${host.socketDir}`,
          `--port=${host.port}`,
          "--username=postgres",
          `--pgdata=${dir}`,
          "--format=tar",
          "--wal-method=fetch",
          "--checkpoint=fast",
          `--compress=${compress}`,
        ]),
      );
    });
    const archive = join(dir, codec === "gzip" ? "base.tar.gz" : "base.tar.zst");
    return { codec, compress, dir, archive, seconds: run.seconds, bytes: dirBytes(dir) };
  });
}
