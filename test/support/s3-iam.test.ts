// The test S3 server's IAM front (s3-iam.ts) decides as AWS would, or the S3 tests that
// rely on it prove nothing: a forged signature, an action no statement allows, a Deny, a
// listing outside the path's prefix and a DeleteObjects naming a key outside it are refused.
import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { iamGrants, S3_KEYS } from "./s3.ts";
import { allowed, type PolicyDocument, s3RequestsOf, signedWith } from "./s3-iam.ts";

const BUCKET = "b";
const grants = iamGrants(BUCKET);
const policyOf = (key: keyof typeof S3_KEYS) => grants[S3_KEYS[key].id]?.policy as PolicyDocument;
const asks = (method: string, path: string, body = "") =>
  s3RequestsOf(method, new URL(path, "https://s3.test"), Buffer.from(body)) ?? [];
const may = (key: keyof typeof S3_KEYS, method: string, path: string, body = "") => {
  const requests = asks(method, path, body);
  return requests.length > 0 && requests.every((r) => allowed(policyOf(key), r));
};

describe("the test S3 server's IAM front", () => {
  it.each([
    ["repoHost", "DELETE", "/b/mcpgov/backup/mcpgov/20261207-000000F/bundle/1", true],
    ["writer", "DELETE", "/b/mcpgov/archive/mcpgov/15-1/0000000100000000/x", false],
    ["reader", "DELETE", "/b/mcpgov/archive/mcpgov/15-1/0000000100000000/x", false],
    ["writer", "PUT", "/b/mcpgov/archive/mcpgov/15-1/0000000100000000/x", true],
    ["writer", "PUT", "/b/mcpgov/backup/mcpgov/backup.info", false],
    ["reader", "PUT", "/b/mcpgov/archive/mcpgov/15-1/0000000100000000/x", false],
    ["reader", "GET", "/b/mcpgov/backup/mcpgov/backup.info", true],
    ["reader", "GET", "/b/other/secret", false],
    ["reader", "GET", "/b/?list-type=2&prefix=mcpgov%2Fbackup%2F", true],
    ["reader", "GET", "/b/?list-type=2&prefix=other%2F", false],
    ["reader", "GET", "/b/?list-type=2", false],
  ] as const)("lets the %s key %s %s: %s", (key, method, path, expected) => {
    expect(may(key, method, path)).toBe(expected);
  });

  it("holds every key a DeleteObjects names to the policy", () => {
    const body = (...keys: string[]) =>
      `<Delete><Quiet>true</Quiet>${keys.map((k) => `<Object><Key>${k}</Key></Object>`).join("")}</Delete>`;
    expect(may("repoHost", "POST", "/b/?delete", body("mcpgov/backup/x", "mcpgov/archive/y"))).toBe(
      true,
    );
    expect(may("repoHost", "POST", "/b/?delete", body("mcpgov/backup/x", "other/y"))).toBe(false);
    expect(may("writer", "POST", "/b/?delete", body("mcpgov/archive/y"))).toBe(false);
    expect(asks("POST", "/b/?delete", "<Delete></Delete>")).toEqual([]);
  });

  it("lets an explicit Deny win over an Allow", () => {
    const policy: PolicyDocument = {
      Statement: [
        { Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/*" },
        { Effect: "Deny", Action: "s3:DeleteObject", Resource: "arn:aws:s3:::b/*" },
      ],
    };
    const [request] = asks("DELETE", "/b/k");
    expect(request && allowed(policy, request)).toBe(false);
  });

  it("accepts a request signed with the key's secret, and refuses another secret or body", () => {
    const secret = "the-secret";
    const date = "20261207";
    const amzDate = `${date}T120000Z`;
    const body = Buffer.from("wal bytes");
    const payload = createHash("sha256").update(body).digest("hex");
    const headers: Record<string, string> = {
      host: "s3.test:9443",
      "x-amz-content-sha256": payload,
      "x-amz-date": amzDate,
    };
    const rawUrl = "/b/mcpgov/archive/x?partNumber=1&uploadId=abc";
    const signed = "host;x-amz-content-sha256;x-amz-date";
    const canonical = [
      "PUT",
      "/b/mcpgov/archive/x",
      "partNumber=1&uploadId=abc",
      ...signed.split(";").map((h) => `${h}:${headers[h]}`),
      "",
      signed,
      payload,
    ].join("\n");
    const scope = `${date}/us-east-1/s3/aws4_request`;
    const hmac = (k: Buffer | string, t: string) => createHmac("sha256", k).update(t).digest();
    const toSign = [
      "AWS4-HMAC-SHA256",
      amzDate,
      scope,
      createHash("sha256").update(canonical).digest("hex"),
    ].join("\n");
    const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), "us-east-1"), "s3"), "aws4_request");
    const signature = hmac(key, toSign).toString("hex");
    headers.authorization = `AWS4-HMAC-SHA256 Credential=K/${scope}, SignedHeaders=${signed}, Signature=${signature}`;
    const request = { method: "PUT", rawUrl, headers, body };
    expect(signedWith(secret, request)).toBe(true);
    expect(signedWith("another-secret", request)).toBe(false);
    expect(signedWith(secret, { ...request, body: Buffer.from("forged") })).toBe(false);
    expect(signedWith(secret, { ...request, method: "DELETE" })).toBe(false);
  });
});
