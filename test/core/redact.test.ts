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
      "a JSON-quoted key",
      '{"password": "hunter2", "user": "bob"}',
      '{"password": [redacted], "user": "bob"}',
    ],
    ["a JSON key with a bare value", '{"api_token":12345,"n":1}', '{"api_token":[redacted],"n":1}'],
    ["a passphrase", "passphrase=correct-horse", "passphrase=[redacted]"],
    [
      "a URI's password",
      "connecting to postgresql://app:s3cr3t@postgres-service:5432/mcpgov failed",
      "connecting to postgresql://app:[redacted]@postgres-service:5432/mcpgov failed",
    ],
    [
      "Basic credentials",
      "Authorization: Basic dXNlcjpwYXNzd29yZA==",
      "Authorization: Basic [redacted]",
    ],
    [
      "every word of a multi-word value",
      "db_password: correct horse battery staple\nnext line",
      "db_password: [redacted]\nnext line",
    ],
    [
      "a kubeconfig's client key",
      "    client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t\n    client-certificate-data: LS0tLS1C",
      "    client-key-data: [redacted]\n    client-certificate-data: [redacted]",
    ],
    [
      "a kubeconfig's token",
      "  user:\n    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.e30.sig",
      "  user:\n    token: [redacted]",
    ],
    [
      "an Azure connection string's key",
      "DefaultEndpointsProtocol=https;AccountName=backups;AccountKey=q7Zx+9kL/abc==;EndpointSuffix=core.windows.net",
      "DefaultEndpointsProtocol=https;AccountName=backups;AccountKey=[redacted];EndpointSuffix=core.windows.net",
    ],
    [
      "an Azure shared access signature",
      "SharedAccessSignature=sv=2022-11-02&sig=abc%2Bdef;BlobEndpoint=https://x",
      "SharedAccessSignature=[redacted];BlobEndpoint=https://x",
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
