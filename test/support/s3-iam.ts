// What an IAM policy lets each access key do, for the test S3 server's front
// (s3-server.ts): s3rver knows one key and no policy, so the front checks each request's
// signature with its key's secret and its action against that key's policy, the way AWS
// would, before s3rver sees it. Only what the policies in manifests/s3/iam use: Allow and
// Deny statements, Action and Resource with `*` wildcards, and a `StringLike` condition
// on `s3:prefix`.
import { createHash, createHmac } from "node:crypto";

export interface PolicyStatement {
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: { StringLike?: { "s3:prefix"?: string | string[] } };
}

export interface PolicyDocument {
  Statement: PolicyStatement[];
}

/** An access key the front knows: its secret and its policy. */
export interface KeyGrant {
  secret: string;
  policy: PolicyDocument;
}

/** What one request asks of S3, as IAM names it. */
export interface S3Request {
  action: string;
  /** arn:aws:s3:::bucket or arn:aws:s3:::bucket/key */
  resource: string;
  /** A listing's prefix (the s3:prefix condition key), "" when none. */
  prefix?: string;
}

const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** IAM's wildcard match: `*` is any run of characters, `?` one. */
function wildcard(pattern: string, value: string): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped.replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(value);
}

function matches(statement: PolicyStatement, request: S3Request): boolean {
  if (!list(statement.Action).some((a) => wildcard(a, request.action))) return false;
  if (!list(statement.Resource).some((r) => wildcard(r, request.resource))) return false;
  const prefixes = statement.Condition?.StringLike?.["s3:prefix"];
  if (prefixes !== undefined) return list(prefixes).some((p) => wildcard(p, request.prefix ?? ""));
  return true;
}

/** IAM's rule: an explicit Deny wins, then any Allow, else denied. */
export function allowed(policy: PolicyDocument, request: S3Request): boolean {
  const applying = policy.Statement.filter((s) => matches(s, request));
  return !applying.some((s) => s.Effect === "Deny") && applying.some((s) => s.Effect === "Allow");
}

/** The keys a DeleteObjects request names (`<Key>` of its XML body). */
function keysToDelete(body: Buffer): string[] {
  const xml = body.toString("utf8");
  return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) =>
    (m[1] ?? "")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, "&"),
  );
}

/**
 * What a path-style S3 request (`/bucket/key?query`) asks, as IAM actions and resources,
 * every one of which must be allowed; undefined for a request the front does not know
 * (refused).
 */
export function s3RequestsOf(method: string, url: URL, body: Buffer): S3Request[] | undefined {
  const [, bucket = "", ...rest] = url.pathname.split("/");
  const key = rest.map(decodeURIComponent).join("/");
  const query = url.searchParams;
  const object = (name: string) => `arn:aws:s3:::${bucket}/${name}`;
  if (!bucket) return undefined;
  if (!key) {
    // DeleteObjects (POST /bucket?delete): s3:DeleteObject on every key it names.
    if (method === "POST" && query.has("delete")) {
      const keys = keysToDelete(body);
      if (keys.length === 0) return undefined;
      return keys.map((name) => ({ action: "s3:DeleteObject", resource: object(name) }));
    }
    if (method === "GET" || method === "HEAD")
      return [
        {
          action: "s3:ListBucket",
          resource: `arn:aws:s3:::${bucket}`,
          prefix: query.get("prefix") ?? "",
        },
      ];
    return undefined;
  }
  if (method === "GET" || method === "HEAD")
    return [{ action: "s3:GetObject", resource: object(key) }];
  if (method === "DELETE") {
    const action = query.has("uploadId") ? "s3:AbortMultipartUpload" : "s3:DeleteObject";
    return [{ action, resource: object(key) }];
  }
  // PUT, and the multipart upload's POSTs (?uploads, ?uploadId): writing an object.
  if (method === "PUT" || method === "POST")
    return [{ action: "s3:PutObject", resource: object(key) }];
  return undefined;
}

const hmac = (key: Buffer | string, text: string) =>
  createHmac("sha256", key).update(text).digest();
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** The parts of a Signature Version 4 Authorization header. */
interface Authorization {
  keyId: string;
  scope: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string | undefined): Authorization | undefined {
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/([^,\s]+), ?SignedHeaders=([^,\s]+), ?Signature=([0-9a-f]{64})$/.exec(
      header ?? "",
    );
  if (!m?.[1] || !m[2] || !m[3] || !m[4]) return undefined;
  return { keyId: m[1], scope: m[2], signedHeaders: m[3].split(";"), signature: m[4] };
}

/** The access key id a request claims, before its signature is checked. */
export const claimedKeyId = (header: string | undefined) => parseAuthorization(header)?.keyId;

/**
 * Whether a request was signed (Signature Version 4, headers) with this secret, and its
 * body is the one signed. The canonical request is built from the request as sent:
 * its raw path and query, the signed headers, the payload hash.
 */
export function signedWith(
  secret: string,
  request: {
    method: string;
    rawUrl: string;
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
  },
): boolean {
  const auth = parseAuthorization(request.headers.authorization as string | undefined);
  if (!auth) return false;
  const header = (name: string) => {
    const value = request.headers[name];
    return (Array.isArray(value) ? value.join(",") : (value ?? "")).trim().replace(/\s+/g, " ");
  };
  const payloadHash = header("x-amz-content-sha256");
  if (payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== sha256(request.body)) return false;
  const [path = "", rawQuery = ""] = request.rawUrl.split("?", 2);
  const query = rawQuery
    .split("&")
    .filter(Boolean)
    .map((pair) => (pair.includes("=") ? pair : `${pair}=`))
    .sort()
    .join("&");
  const canonical = [
    request.method,
    path,
    query,
    ...auth.signedHeaders.map((name) => `${name}:${header(name)}`),
    "",
    auth.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const [date = "", region = "", service = "", terminal = ""] = auth.scope.split("/");
  const toSign = ["AWS4-HMAC-SHA256", header("x-amz-date"), auth.scope, sha256(canonical)].join(
    "\n",
  );
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), terminal);
  return hmac(key, toSign).toString("hex") === auth.signature;
}
