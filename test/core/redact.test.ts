// Credentials never leave in a log, a summary or a comment: each form is redacted, and
// ordinary text is left alone.
import { describe, expect, it } from "vitest";
import { redact } from "../../src/core/redact.ts";

describe("redact", () => {
  it.each([
    [
      "a pgBackRest passphrase option",
      "--repo1-cipher-pass=hunter2 backup",
      "--repo1-cipher-pass=[redacted] backup",
    ],
    [
      "an environment variable",
      "PGBACKREST_REPO1_S3_KEY_SECRET=abc123XYZ",
      "PGBACKREST_REPO1_S3_KEY_SECRET=[redacted]",
    ],
    ["a YAML password", 'POSTGRES_PASSWORD: "s3cret pass"', "POSTGRES_PASSWORD: [redacted]"],
    [
      "a bearer token",
      "Authorization: Bearer eyJhbGciOi.abc.def",
      "Authorization: Bearer [redacted]",
    ],
    [
      "a private key",
      "key:\n-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----\nafter",
      "key:\n[redacted private key]\nafter",
    ],
    [
      "a value known to be secret",
      "connected with hunter2-long as password",
      "connected with [redacted] as password",
    ],
  ])("redacts %s", (_, text, expected) => {
    expect(redact(text, ["hunter2-long"])).toBe(expected);
  });

  it("leaves ordinary log lines alone", () => {
    const line = "2026-11-24 P00 INFO: backup command end: completed successfully (3102ms)";
    expect(redact(line)).toBe(line);
  });
});
