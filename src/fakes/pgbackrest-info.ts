// `pgbackrest info --output=json` as pgBackRest prints it for stanza mcpgov, for tests and
// the bench that stand in for the repository host.

const sec = (ms: number) => Math.floor(ms / 1000);

/** One good backup of 50 MB (5 MB in the repository), started and stopped at these times (ms). */
export function sampleBackup(label: string, type: string, startMs: number, stopMs: number): object {
  return {
    label,
    type,
    prior: null,
    reference: null,
    timestamp: { start: sec(startMs), stop: sec(stopMs) },
    archive: { start: "000000010000000000000002", stop: "000000010000000000000003" },
    info: {
      size: 50_000_000,
      delta: 50_000_000,
      repository: { size: 5_000_000, delta: 5_000_000 },
    },
    error: false,
  };
}

/** The info of stanza mcpgov, healthy, holding these backups. */
export function sampleInfo(backups: object[]): string {
  return JSON.stringify([
    {
      name: "mcpgov",
      status: { code: 0, message: "ok" },
      db: [{ id: 1, "system-id": 7441234567890, version: "15" }],
      archive: [{ id: "15-1", min: "000000010000000000000001", max: "000000010000000000000009" }],
      backup: backups,
    },
  ]);
}

/**
 * An info Job's log as scripts/pgbackrest-info.sh prints it: the JSON, then the retention
 * options of `conf` and the retention variables of `environment` (test/scripts/
 * pgbackrest-info.test.ts holds the script to these lines).
 */
export function infoLog(
  json: string,
  conf: string,
  environment: Record<string, string> = {},
): string {
  const option = /^\s*(\[[^\]]*\]|repo[0-9]+-retention-full(-type)?\s*=.*)$/;
  const confLines = conf
    .split("\n")
    .flatMap((line) => option.exec(line)?.[1] ?? [])
    .map((line) => `retention conf ${line}`);
  const envLines = Object.entries(environment)
    .filter(([name]) => /^PGBACKREST_REPO[0-9]+_RETENTION_FULL(_TYPE)?$/.test(name))
    .map(([name, value]) => `retention env ${name}=${value}`);
  return [json, ...confLines, ...envLines, "retention end", ""].join("\n");
}
