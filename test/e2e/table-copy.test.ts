// /restore table's copy and merge on real PostgreSQL, without a cluster: two servers on
// this machine stand for production and the clone of the point (same port, each on its own
// socket directory, as a pod sees the clone's Service), and the copy script production's
// container runs is run here as it is. A pg_dump that stops after N rows, as one killed by
// the clone's deadline would, must leave production without the copy, and a retry must
// bring the table back whole. The merge the bot offers must bring back deleted and
// changed rows exactly, and is not offered where it would duplicate or misalign rows.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyTableScript } from "../../src/core/operations/restore-table.ts";
import { tableMerge } from "../../src/core/operations/table-merge.ts";
import { hostPath, postgresBinDir } from "../../src/local/host.ts";
import { PgHost } from "../../src/local/lab/pg-host.ts";
import { TIMEOUT } from "../support/e2e-cluster.ts";
import { MANIFESTS } from "../support/e2e-pg-host.ts";

const DB = "mcpgov";
const ROWS = 20_000;
let production: PgHost;
let clone: PgHost;
let wrappers: string;

/** SQL on the clone, which listens on production's port in its own socket directory. */
async function cloneSql(query: string): Promise<string> {
  const result = await clone.run([
    "psql",
    ...["-h", clone.socketDir, "-p", String(production.port), "-U", "postgres", "-d", DB],
    ...["-X", "-Atq", "-v", "ON_ERROR_STOP=1", "-c", query],
  ]);
  return result.stdout.trim();
}

const prodSql = (query: string) => production.sql(query, DB);
const exists = async (name: string) =>
  (await prodSql(`select to_regclass('${name}') is not null`)) === "t";
/** A table's rows as one fingerprint, in key order. */
const fingerprint = (table: string, query: (q: string) => Promise<string>) =>
  query(
    `select count(*) || ':' || md5(coalesce(string_agg(t::text, ';' order by id), '')) from ${table} t`,
  );

/** Runs the copy as production's container does; cutAfterRows stops pg_dump's rows there. */
function copy(source: string, restoredAs: string, rows: number, cutAfterRows?: number) {
  return production.run(
    [
      "bash",
      "-c",
      copyTableScript,
      "restore-table",
      clone.socketDir,
      DB,
      source,
      restoredAs,
      String(rows),
    ],
    {
      allowFailure: true,
      env: {
        PGHOST: production.socketDir,
        PGPORT: String(production.port),
        POSTGRES_PASSWORD: "unused-peer-authentication",
        PATH: cutAfterRows === undefined ? hostPath() : `${wrappers}:${hostPath()}`,
        CUT_AFTER_ROWS: String(cutAfterRows ?? 0),
      },
    },
  );
}

beforeAll(async () => {
  production = await PgHost.create({ manifestsDir: MANIFESTS });
  clone = await PgHost.create({ manifestsDir: MANIFESTS });
  await Promise.all([production.initdb(), clone.initdb()]);
  await production.start();
  await clone.start({ port: String(production.port) });
  await production.sql(`create database ${DB}`);
  await clone.run([
    "psql",
    ...["-h", clone.socketDir, "-p", String(production.port), "-U", "postgres", "-d", "postgres"],
    ...["-X", "-v", "ON_ERROR_STOP=1", "-c", `create database ${DB}`],
  ]);
  // A pg_dump that passes the dump on until N rows of its COPY data, then dies, as one
  // killed midway does: deterministic, unlike racing a kill against a stream that ends in
  // under a second.
  wrappers = mkdtempSync(join(tmpdir(), "pg-dump-cut-"));
  chmodSync(wrappers, 0o755);
  writeFileSync(
    join(wrappers, "pg_dump"),
    [
      "#!/bin/bash",
      `"${postgresBinDir()}/pg_dump" "$@" | awk -v n="$CUT_AFTER_ROWS" '{ print } /^COPY .* FROM stdin;$/ { rows = 1; next } rows && ++seen >= n { exit }'`,
      "exit 1",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
}, TIMEOUT.setUp);

afterAll(async () => {
  await production?.destroy();
  await clone?.destroy();
  if (wrappers) rmSync(wrappers, { recursive: true, force: true });
}, TIMEOUT.cleanUp);

describe("the table copy", () => {
  it("killed midway leaves production without the copy, and a retry brings the table back whole", async () => {
    await cloneSql(
      `create table public.policies (id int primary key, rule text not null);
       insert into public.policies select n, 'rule ' || n from generate_series(1, ${ROWS}) n`,
    );
    const copyName = "public.policies_restored_20261124t143015";

    const cut = await copy("public.policies", copyName, ROWS, 5_000);
    expect(cut.code).not.toBe(0);
    expect(await exists(copyName)).toBe(false);

    // The next attempt is a new clone of the point: nothing of the first is left there.
    await cloneSql(`drop table ${copyName}`);
    const retried = await copy("public.policies", copyName, ROWS);
    expect(retried.stderr).toBe("");
    expect(retried.code).toBe(0);
    expect(await fingerprint(copyName, prodSql)).toBe(
      await fingerprint("public.policies", cloneSql),
    );
  });

  it("that arrives with other than the point's count of rows is not committed", async () => {
    await cloneSql(
      `create table public.events (id int primary key, what text);
       insert into public.events select n, 'event ' || n from generate_series(1, 300) n`,
    );
    const copyName = "public.events_restored_20261124t143015";
    const result = await copy("public.events", copyName, 299);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/has 300 rows.*299/);
    expect(await exists(copyName)).toBe(false);
  });
});

describe("the merge offered", () => {
  it("on a table with a key, brings back deleted rows, and changed ones when asked, exactly", async () => {
    const point = `create table public.rules (id int primary key, rule text not null, weight int);
       insert into public.rules select n, 'rule ' || n, n % 7 from generate_series(1, 100) n`;
    await cloneSql(point);
    await prodSql(point);
    // The mistake and later writes in production, after the point: columns in another
    // order do not matter, names do.
    await prodSql("delete from public.rules where id <= 10");
    await prodSql(
      "update public.rules set rule = 'changed', weight = null where id between 20 and 25",
    );
    await prodSql("insert into public.rules values (101, 'written after the point', 1)");
    const copyName = "public.rules_restored_20261124t143015";
    expect((await copy("public.rules", copyName, 100)).code).toBe(0);

    const merge = await tableMerge(prodSql, "public.rules", copyName);
    if (!merge.offered) throw new Error(`no merge offered: ${merge.why}`);
    expect(merge.missingRows).toBe(10);
    expect(merge.changed).toMatchObject({ rows: 6, keys: ["20", "21", "22", "23", "24", "25"] });
    expect(await prodSql(merge.changed?.list ?? "")).toBe(
      ["20", "21", "22", "23", "24", "25"].join("\n"),
    );

    await prodSql(merge.addMissing);
    expect(await prodSql("select count(*) from public.rules")).toBe("101");
    expect(await prodSql("select count(*) from public.rules where rule = 'changed'")).toBe("6");
    await prodSql(merge.changed?.overwrite ?? "");
    // Every row of the point exactly as it was, and the later write kept.
    expect(await fingerprint("(select * from public.rules where id <= 100)", prodSql)).toBe(
      await fingerprint("public.rules", cloneSql),
    );
    expect(await prodSql("select rule from public.rules where id = 101")).toBe(
      "written after the point",
    );
    // Run again, the merge adds nothing: no duplicates.
    await prodSql(merge.addMissing);
    expect(await prodSql("select count(*) from public.rules")).toBe("101");
  });

  it("quotes the catalog's column names, so a name that is SQL stays a name", async () => {
    const point = `create table public.odd ("Id" int primary key, "rule); drop table public.odd; --" text);
       insert into public.odd select n, 'rule ' || n from generate_series(1, 30) n`;
    await cloneSql(point);
    await prodSql(point);
    await prodSql(`delete from public.odd where "Id" <= 3`);
    await prodSql(
      `update public.odd set "rule); drop table public.odd; --" = 'changed' where "Id" = 9`,
    );
    const copyName = "public.odd_restored_20261124t143015";
    expect((await copy("public.odd", copyName, 30)).code).toBe(0);
    const merge = await tableMerge(prodSql, "public.odd", copyName);
    if (!merge.offered) throw new Error(`no merge offered: ${merge.why}`);
    expect(merge).toMatchObject({ missingRows: 3, changed: { rows: 1, keys: ["9"] } });
    await prodSql(merge.addMissing);
    await prodSql(merge.changed?.overwrite ?? "");
    const rows = (q: (s: string) => Promise<string>) =>
      q(`select count(*) || ':' || md5(string_agg(t::text, ';' order by "Id")) from public.odd t`);
    expect(await rows(prodSql)).toBe(await rows(cloneSql));
  });

  it("is not offered on a table without a primary key or unique constraint, saying why", async () => {
    const point = `create table public.log (id int, what text);
       insert into public.log select n, 'line ' || n from generate_series(1, 50) n`;
    await cloneSql(point);
    await prodSql(point);
    await prodSql("delete from public.log where id <= 5");
    const copyName = "public.log_restored_20261124t143015";
    expect((await copy("public.log", copyName, 50)).code).toBe(0);
    const merge = await tableMerge(prodSql, "public.log", copyName);
    expect(merge).toEqual({
      offered: false,
      why: expect.stringMatching(/public\.log has no primary key or unique constraint/),
    });
  });

  it("is not offered when the columns differ by name since the point, naming them", async () => {
    const point = `create table public.users (id int primary key, name text);
       insert into public.users select n, 'user ' || n from generate_series(1, 20) n`;
    await cloneSql(point);
    await prodSql(point);
    await prodSql("alter table public.users rename column name to full_name");
    const copyName = "public.users_restored_20261124t143015";
    expect((await copy("public.users", copyName, 20)).code).toBe(0);
    const merge = await tableMerge(prodSql, "public.users", copyName);
    expect(merge).toEqual({
      offered: false,
      why: expect.stringMatching(/full_name.*name|name.*full_name/),
    });
  });
});
