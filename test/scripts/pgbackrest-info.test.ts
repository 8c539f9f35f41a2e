// scripts/pgbackrest-info.sh, as the pgbackrest-info Jobs run it: the info's JSON, then
// each repository's retention and nothing else of the configuration or the environment,
// so that the bot and the Action read the retention without a right on ConfigMaps.
// pgbackrest is a stand-in here; test/e2e/bot.test.ts runs the real one in the Job.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { retentionFromLog } from "../../src/core/retention.ts";
import { infoLog, sampleBackup, sampleInfo } from "../../src/fakes/pgbackrest-info.ts";
import { baseObject } from "../support/base.ts";

const script = new URL("../../scripts/pgbackrest-info.sh", import.meta.url).pathname;
const json = sampleInfo([sampleBackup("20261124-010000F", "full", 1_000_000, 1_060_000)]);

function run(conf: string, environment: Record<string, string>, pgbackrestExit = 0) {
  const dir = mkdtempSync(join(tmpdir(), "pgbackrest-info-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  // As pgBackRest prints it: the JSON with no newline after it.
  writeFileSync(
    join(bin, "pgbackrest"),
    `#!/bin/sh\nprintf '%s' '${json}'\nexit ${pgbackrestExit}\n`,
  );
  chmodSync(join(bin, "pgbackrest"), 0o755);
  writeFileSync(join(dir, "pgbackrest.conf"), conf);
  return spawnSync("sh", [script], {
    encoding: "utf8",
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      PGBACKREST_CONFIG: join(dir, "pgbackrest.conf"),
      ...environment,
    },
  });
}

describe("scripts/pgbackrest-info.sh", () => {
  const base = (
    baseObject("ConfigMap", "pgbackrest-config") as unknown as { data: Record<string, string> }
  ).data["pgbackrest.conf"] as string;
  // A configuration someone put a key into, and the bucket's Secrets in the environment.
  const conf = `${base}[mcpgov]\nrepo2-s3-key=AKIASECRETKEY\n  repo1-retention-full = 9\n`;
  const environment = {
    PGBACKREST_REPO2_RETENTION_FULL_TYPE: "time",
    PGBACKREST_REPO2_RETENTION_FULL: "28",
    PGBACKREST_REPO2_S3_KEY_SECRET: "s3cr3t-value",
    PGBACKREST_REPO2_CIPHER_PASS: "passphrase-value",
  };

  it("prints the info, then the retention options and variables only, as the fakes print them", () => {
    const result = run(conf, environment);
    expect(result.status).toBe(0);
    // The same lines (the environment's come in the order the process holds them).
    const lines = (log: string) => log.split("\n").sort();
    expect(lines(result.stdout)).toEqual(lines(infoLog(json, conf, environment)));
    for (const secret of ["AKIASECRETKEY", "s3cr3t-value", "passphrase-value", "repo1-path"])
      expect(result.stdout).not.toContain(secret);
    // The stanza's section wins over [global], as pgBackRest reads it; the bucket's by variable.
    expect(retentionFromLog(result.stdout, "mcpgov", [1, 2])).toEqual([
      { repo: 1, type: "time", days: 9 },
      { repo: 2, type: "time", days: 28 },
    ]);
    expect(retentionFromLog(result.stdout, "ledger", [1])).toEqual([
      { repo: 1, type: "time", days: 7 },
    ]);
  });

  it("ends with pgbackrest's status when the info fails, and prints no retention", () => {
    const result = run(conf, environment, 28);
    expect(result.status).toBe(28);
    expect(result.stdout).not.toContain("retention");
  });

  it("a log without the retention (a template older than the release) reads as none", () => {
    expect(retentionFromLog(json, "mcpgov", [1])).toBeUndefined();
  });
});
