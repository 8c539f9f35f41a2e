// An S3-compatible server for the tests (s3rver), over HTTPS, in its own process so that a
// test can stop it in the middle of a write load and start it again on the same data:
//   node test/support/s3-server.ts PORT DIRECTORY KEY_FILE CERT_FILE BUCKET [ADDRESS [GRANTS]]
// ADDRESS is 127.0.0.1 unless given (0.0.0.0 in a pod, where clients come from outside).
// GRANTS, a JSON file of access keys with their secrets and IAM policies (s3-iam.ts), puts
// a front before s3rver that refuses what a key's policy does not allow, as AWS would, and
// prints each refusal as `denied KEY ACTION RESOURCE`.
// Prints "ready" once it accepts connections.
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer, type ServerOptions } from "node:https";
import type { AddressInfo } from "node:net";
import S3rver from "@20minutes/s3rver";
import FilesystemStore from "@20minutes/s3rver/lib/stores/filesystem.js";
import { allowed, claimedKeyId, type KeyGrant, s3RequestsOf, signedWith } from "./s3-iam.ts";

const [port, directory, keyFile, certFile, bucket, address = "127.0.0.1", grantsFile] =
  process.argv.slice(2);
if (!port || !directory || !keyFile || !certFile || !bucket) {
  console.error(
    "usage: node test/support/s3-server.ts PORT DIRECTORY KEY_FILE CERT_FILE BUCKET [ADDRESS [GRANTS]]",
  );
  process.exit(2);
}
const tls: ServerOptions = { key: readFileSync(keyFile), cert: readFileSync(certFile) };
/** s3rver's own account, which the front signs in as once it has checked the real key. */
const S3RVER_KEY = "S3RVER";

// s3rver's listing with a delimiter skips every directory beneath a common prefix before
// it has seen an object in it, so a prefix holding only deeper keys is never listed: a
// backup whose manifest is gone (bundle/1, pg_data/…) disappears from the listing, and
// pgBackRest's expire cannot find it to remove it. List everything under the prefix and
// group it here instead, as S3 does.
type Listing = { objects: { key: string }[]; commonPrefixes: string[]; isTruncated: boolean };
type ListOptions = { delimiter?: string; prefix?: string; maxKeys?: number };
const listObjects = FilesystemStore.prototype.listObjects as (
  this: unknown,
  bucket: string,
  options: ListOptions,
) => Promise<Listing>;
FilesystemStore.prototype.listObjects = async function (bucket: string, options: ListOptions) {
  const { delimiter = "", prefix = "", maxKeys = Number.POSITIVE_INFINITY } = options;
  if (!delimiter) return listObjects.call(this, bucket, options);
  const all = await listObjects.call(this, bucket, {
    ...options,
    delimiter: "",
    maxKeys: Number.POSITIVE_INFINITY,
  });
  const prefixes = new Set<string>();
  const objects = all.objects.filter((object) => {
    const at = object.key.indexOf(delimiter, prefix.length);
    if (at !== -1) prefixes.add(object.key.slice(0, at + delimiter.length));
    return at === -1;
  });
  return {
    objects: objects.slice(0, maxKeys),
    commonPrefixes: [...prefixes].sort(),
    isTruncated: objects.length > maxKeys,
  };
};

const server = new S3rver({
  // Behind the front: on loopback, plain HTTP, a port of its own.
  ...(grantsFile ? { address: "127.0.0.1", port: 0 } : { address, port: Number(port), ...tls }),
  directory,
  configureBuckets: [{ name: bucket }],
  silent: true,
  // pgBackRest is configured for path-style URLs; a host name is never a bucket's.
  vhostBuckets: false,
  // s3rver rebuilds the canonical URI of a bucket listing without the trailing slash
  // pgBackRest signs, so signatures cannot be compared; the access key id still is (and
  // the front checks signatures itself).
  allowMismatchedSignatures: true,
});
const listening = (await server.run()) as AddressInfo;
if (grantsFile) await front(JSON.parse(readFileSync(grantsFile, "utf8")), listening.port);
console.log("ready");
process.on("SIGTERM", () => server.close().then(() => process.exit(0)));

function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/** The front: checks key, signature and policy, then passes the request on to s3rver. */
async function front(grants: Record<string, KeyGrant>, backendPort: number): Promise<void> {
  const https = createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? "GET";
      const rawUrl = req.url ?? "/";
      const refuse = (status: number, code: string, message: string) => {
        res.writeHead(status, { "content-type": "application/xml" });
        res.end(method === "HEAD" ? undefined : s3Error(code, message));
      };
      const keyId = claimedKeyId(req.headers.authorization);
      const grant = keyId === undefined ? undefined : grants[keyId];
      if (!keyId || !grant)
        return refuse(
          403,
          "InvalidAccessKeyId",
          "The AWS Access Key Id you provided does not exist in our records.",
        );
      if (!signedWith(grant.secret, { method, rawUrl, headers: req.headers, body }))
        return refuse(
          403,
          "SignatureDoesNotMatch",
          "The request signature we calculated does not match the signature you provided.",
        );
      const asked = s3RequestsOf(method, new URL(rawUrl, "https://front"), body);
      const denied = asked ? asked.filter((one) => !allowed(grant.policy, one)) : undefined;
      if (!denied || denied.length > 0) {
        for (const one of denied ?? [{ action: method, resource: rawUrl }])
          console.log(`denied ${keyId} ${one.action} ${one.resource}`);
        return refuse(403, "AccessDenied", "Access Denied");
      }
      const authorization = String(req.headers.authorization).replace(
        `Credential=${keyId}/`,
        `Credential=${S3RVER_KEY}/`,
      );
      const onward = httpRequest(
        {
          host: "127.0.0.1",
          port: backendPort,
          method,
          path: rawUrl,
          headers: { ...req.headers, authorization },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      onward.on("error", (error) => refuse(502, "InternalError", error.message));
      onward.end(body);
    });
  });
  await new Promise<void>((resolve) => https.listen(Number(port), address, resolve));
}
