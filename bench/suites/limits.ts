// The machine's limit for a backup of this database: reading PGDATA (without pg_wal, as a
// backup does) once, sequentially,
// from the disk; and compressing it with the product's codec (zstd at its level) on every core.
import { availableParallelism } from "node:os";
import { source } from "../support/dataset.ts";
import type { Lab } from "../support/lab.ts";
import { productCodec } from "../support/product.ts";
import { bash, shellQuote } from "../support/shell.ts";
import { round, timed } from "../support/stats.ts";

export interface LimitsResult {
  pgdataBytes: number;
  /** One reader, every file of PGDATA, page cache dropped first. */
  readColdSeconds: number;
  readColdMBps: number;
  /** The same read again, from the page cache. */
  readWarmSeconds: number;
  /** tar of PGDATA (cached) through `zstd -<the product's level> -T<cores>`. */
  zstdLevel: number;
  zstdSeconds: number;
  zstdMBps: number;
  zstdBytes: number;
  /** The same through `gzip -6`, one core: pgBackRest's default codec. */
  gzipSeconds: number;
  gzipMBps: number;
  gzipBytes: number;
  cores: number;
  /** The slower of the cold read and the compression: no backup can beat it. */
  limitSeconds: number;
}

const mbps = (bytes: number, seconds: number) => round(bytes / 1e6 / seconds, 1);

export async function limits(lab: Lab): Promise<LimitsResult> {
  const { host } = await source(lab);
  await host.sql("checkpoint");
  const pgdata = shellQuote(host.pgdata);
  // What a backup reads: PGDATA without pg_wal (WAL reaches the repository by archiving).
  const files = `find ${pgdata} -path ${shellQuote(`${host.pgdata}/pg_wal`)} -prune -o -type f`;
  const read = `${files} -print0 | xargs -0 cat > /dev/null`;
  const pgdataBytes = Number(
    (await bash(`${files} -printf '%s\\n' | awk '{s += $1} END {print s}'`)).trim(),
  );
  const cold = await lab.step("sequential read of PGDATA, cold cache", () => {
    lab.dropCaches();
    return timed(() => bash(read));
  });
  const warm = await lab.step("sequential read of PGDATA, warm cache", () =>
    timed(() => bash(read)),
  );
  const cores = availableParallelism();
  const squeeze = (codec: string) =>
    timed(async () =>
      Number(
        (
          await bash(`tar -C ${pgdata} --exclude=./pg_wal -cf - . 2>/dev/null | ${codec} | wc -c`)
        ).trim(),
      ),
    );
  const { level } = productCodec();
  const zstd = await lab.step(`zstd -${level} -T${cores} of PGDATA (cached)`, () =>
    squeeze(`zstd -q -${level} -T${cores} -c`),
  );
  const gzip = await lab.step("gzip -6 of PGDATA (cached), one core", () => squeeze("gzip -6 -c"));
  return {
    pgdataBytes,
    readColdSeconds: cold.seconds,
    readColdMBps: mbps(pgdataBytes, cold.seconds),
    readWarmSeconds: warm.seconds,
    zstdLevel: level,
    zstdSeconds: zstd.seconds,
    zstdMBps: mbps(pgdataBytes, zstd.seconds),
    zstdBytes: zstd.value,
    gzipSeconds: gzip.seconds,
    gzipMBps: mbps(pgdataBytes, gzip.seconds),
    gzipBytes: gzip.value,
    cores,
    limitSeconds: Math.max(cold.seconds, zstd.seconds),
  };
}
