// Retention read as the repository host reads it, and the refusal of a full that would
// shrink the guaranteed window, on a fake clock: pgBackRest's time rule, applied to count.
import { describe, expect, it } from "vitest";
import type { StanzaInfo } from "../../src/core/pgbackrest/info.ts";
import { fullWouldShrinkWindow, retentionOf } from "../../src/core/retention.ts";
import { sampleBackup, sampleInfo } from "../../src/fakes/pgbackrest-info.ts";

const DAY = 86_400_000;
const NOW = Date.parse("2026-11-24T12:00:00Z");

function stanzaWithFulls(...ages: number[]): StanzaInfo {
  const backups = ages.map((age, i) =>
    sampleBackup(`2026110${i + 1}-010000F`, "full", NOW - age - 60_000, NOW - age),
  );
  return JSON.parse(sampleInfo(backups))[0];
}

describe("retention", () => {
  it("is read from pgbackrest.conf, the stanza's section first, and the S3 variables win", () => {
    const conf = "[global]\nrepo1-retention-full-type=time\nrepo1-retention-full=7\n";
    expect(retentionOf(conf, {}, "mcpgov", 1)).toEqual({ repo: 1, type: "time", days: 7 });
    expect(retentionOf(`${conf}[ledger]\nrepo1-retention-full=9\n`, {}, "ledger", 1)).toEqual({
      repo: 1,
      type: "time",
      days: 9,
    });
    expect(retentionOf("[global]\nrepo1-retention-full=4\n", {}, "mcpgov", 1)).toEqual({
      repo: 1,
      type: "count",
      fulls: 4,
    });
    const s3 = {
      PGBACKREST_REPO2_RETENTION_FULL_TYPE: "time",
      PGBACKREST_REPO2_RETENTION_FULL: "28",
    };
    expect(retentionOf(conf, s3, "mcpgov", 2)).toEqual({ repo: 2, type: "time", days: 28 });
    expect(retentionOf(conf, {}, "mcpgov", 2)).toEqual({ repo: 2, type: "unset" });
  });

  it("lets time retention take any number of fulls: pgBackRest keeps the window itself", () => {
    const stanza = stanzaWithFulls(5 * 60_000, 4 * 60_000, 3 * 60_000, 2 * 60_000, 60_000);
    expect(fullWouldShrinkWindow(stanza, { repo: 1, type: "time", days: 7 }, NOW)).toBeUndefined();
  });

  it("refuses, under count retention, a full after which the oldest full kept stopped inside the last 7 days", () => {
    const count = { repo: 1, type: "count", fulls: 2 } as const;
    // Two fulls minutes old: a third expires the first, and the window starts minutes ago.
    const why = fullWouldShrinkWindow(stanzaWithFulls(10 * 60_000, 5 * 60_000), count, NOW);
    expect(why).toContain("below the last 7 days (since 2026-11-17T12:00:00.000Z)");
    expect(why).toContain("it would expire 20261101-010000F and its WAL");
    expect(why).toContain("reach back only to 2026-11-24T11:55:01.000Z");
    // The next full kept stopped 7 days and a second ago: what goes is older than the window.
    expect(
      fullWouldShrinkWindow(stanzaWithFulls(8 * DAY, 7 * DAY + 1000), count, NOW),
    ).toBeUndefined();
    // A second later it would be inside: refused, as pgBackRest's time rule would keep it.
    expect(fullWouldShrinkWindow(stanzaWithFulls(8 * DAY, 7 * DAY), count, NOW)).toBeDefined();
    // Room under the count: nothing expires.
    expect(fullWouldShrinkWindow(stanzaWithFulls(60_000), count, NOW)).toBeUndefined();
  });

  it("counts only the fulls of the repository the backup writes", () => {
    const stanza = stanzaWithFulls(10 * 60_000, 5 * 60_000);
    for (const b of stanza.backup) b.database = { id: 1, "repo-key": 2 };
    expect(
      fullWouldShrinkWindow(stanza, { repo: 1, type: "count", fulls: 2 }, NOW),
    ).toBeUndefined();
    expect(fullWouldShrinkWindow(stanza, { repo: 2, type: "count", fulls: 2 }, NOW)).toBeDefined();
  });
});
