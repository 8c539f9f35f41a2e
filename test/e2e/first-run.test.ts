// The first real run: PostgreSQL 15 and pgBackRest configured from manifests/, driven by
// the Jobs' and CronJobs' own command lines, and a restore that reads the data back.
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { firstRun } from "../../src/local/lab/first-run.ts";

const manifestsDir = new URL("../../manifests", import.meta.url).pathname;

describe("first real run with the manifests' configuration", () => {
  it("backs up full and diff, lists both, and restores the full backup exactly", async () => {
    const lines: string[] = [];
    const hostDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith("mcpgov-backup-host-"));
    const before = hostDirs();
    const result = await firstRun({ manifestsDir, log: (line) => lines.push(line) });
    // Everything the run made is gone.
    expect(hostDirs()).toEqual(before);

    expect(result.stanza.status).toMatchObject({ code: 0, message: "ok" });
    const [full, diff, ...rest] = result.stanza.backup;
    expect(rest).toEqual([]);
    expect(full?.type).toBe("full");
    expect(diff?.type).toBe("diff");
    expect(diff?.prior).toBe(full?.label);
    expect(result.stanza.db[0]?.version).toBe("15");
    // The 64-bit system identifier survives parsing digit for digit.
    expect(result.stanza.db[0]?.["system-id"]).toMatch(/^\d{19}$/);
    // WAL archiving ran continuously: the archive reaches past the diff backup's stop WAL.
    const archive = result.stanza.archive[0];
    expect(archive?.max && diff?.archive.stop && archive.max >= diff.archive.stop).toBe(true);
    // The full backup holds exactly what was committed before it: none lost, none extra.
    expect(result.rowsRestored).toBe(result.rowsBeforeFull);
    expect(lines.some((line) => line.includes("pgbackrest --type=full backup"))).toBe(true);
  }, 300_000);
});
