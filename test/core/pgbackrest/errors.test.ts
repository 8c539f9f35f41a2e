// pgBackRest's puzzling errors, as 2.55.1 prints them (the same errors are provoked for
// real, and explained, in test/e2e/faults.test.ts and test/e2e/s3.test.ts), each with
// what to do.
import { describe, expect, it } from "vitest";
import { explainPgbackrest } from "../../../src/core/pgbackrest/errors.ts";

describe("explainPgbackrest", () => {
  it("says a missing passphrase is missing, and where it comes from", () => {
    expect(
      explainPgbackrest("ERROR: [037]: backup command requires option: repo2-cipher-pass"),
    ).toBe(
      "the cipher passphrase of repo2 is not set: create the pgbackrest-cipher Secret (manifests/s3/pgbackrest-cipher-secret.yaml.example) and restart the pods that run pgBackRest",
    );
  });

  it("says a missing S3 key is missing, and which Secret holds it for the Job that ran", () => {
    // As pgbackrest info prints it in the info Job when pgbackrest-s3-reader is not there.
    expect(explainPgbackrest("P00  ERROR: [037]: info command requires option: repo2-s3-key")).toBe(
      "the S3 key of repo2 is not set: create its Secret (pgbackrest-s3-reader, the read-only key, for the Jobs that read pgbackrest info; pgbackrest-s3-credentials for the other pods; docs/s3.md)",
    );
  });

  it("reads a format error as a wrong passphrase", () => {
    const said = explainPgbackrest(
      "status: error (other)\n  [FormatError] key/value found outside of section at line 1: \u0010\u00ff",
    );
    expect(said).toMatch(/^wrong cipher passphrase\? /);
    expect(
      explainPgbackrest("repo2: [FormatError] key/value found outside of section at line 1"),
    ).toContain("check repo2-cipher-pass, the pgbackrest-cipher Secret");
  });

  it("reads a decryption that fails on padding as a wrong passphrase too", () => {
    // The same wrong passphrase gives this or a FormatError, depending on the bytes.
    expect(
      explainPgbackrest(
        "[CryptoError] unable to load info file '/repo/backup/mcpgov/backup.info':\nCryptoError: unable to flush\nHINT: is or was the repo encrypted?",
      ),
    ).toMatch(/^wrong cipher passphrase\? /);
  });

  it("names the endpoint it cannot reach", () => {
    expect(
      explainPgbackrest(
        "[HostConnectError] unable to connect to 's3.example:443': [111] Connection refused",
      ),
    ).toMatch(/^cannot connect to 's3.example:443'/);
  });

  it("says a second backup met the first one's lock", () => {
    expect(
      explainPgbackrest(
        "P00  ERROR: [050]: unable to acquire lock on file '/tmp/pgbackrest/mcpgov-backup-1.lock': Resource temporarily unavailable\n       HINT: is another pgBackRest process running?",
      ),
    ).toMatch(
      /^another pgBackRest command holds stanza mcpgov's lock: a backup or expire is already running/,
    );
  });

  it("says a full repository is full, and that earlier backups are intact", () => {
    expect(
      explainPgbackrest(
        "ERROR: [047]: unable to write '/repo/backup/x': [28] No space left on device",
      ),
    ).toMatch(/^the repository's volume is full: earlier backups are intact/);
  });

  it("sends a backup that waited for WAL to the archiver's status", () => {
    expect(
      explainPgbackrest(
        "ERROR: [082]: WAL segment 00000001000000000000000A was not archived before the 60000ms timeout",
      ),
    ).toMatch(
      /^WAL segment 00000001000000000000000A did not reach the repository in time: PostgreSQL's archive_command is failing/,
    );
  });

  it("asks whether the volume is full when a worker could not write, and says where", () => {
    expect(
      explainPgbackrest(
        "ERROR: [064]: raised from local-2 protocol: unable to write '/var/lib/pgbackrest/backup/mcpgov/20261125-192624F/pg_data/base/1/2838.zst'\n       [FileWriteError] on retry after 0ms",
      ),
    ).toMatch(
      /^pgBackRest could not write '\/var\/lib\/pgbackrest\/backup\/mcpgov\/[^']+': is that volume full/,
    );
  });

  it("says nothing about errors that explain themselves", () => {
    expect(explainPgbackrest("ERROR: [056]: unable to find primary cluster")).toBeUndefined();
  });
});
