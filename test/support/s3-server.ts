// An S3-compatible server for the tests (s3rver), over HTTPS, in its own process so that a
// test can stop it in the middle of a write load and start it again on the same data:
//   node test/support/s3-server.ts PORT DIRECTORY KEY_FILE CERT_FILE BUCKET
// Prints "ready" once it accepts connections.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const S3rver = createRequire(import.meta.url)("@20minutes/s3rver");
const [port, directory, keyFile, certFile, bucket] = process.argv.slice(2);
if (!port || !directory || !keyFile || !certFile || !bucket) {
  console.error("usage: node test/support/s3-server.ts PORT DIRECTORY KEY_FILE CERT_FILE BUCKET");
  process.exit(2);
}
const server = new S3rver({
  address: "127.0.0.1",
  port: Number(port),
  directory,
  key: readFileSync(keyFile),
  cert: readFileSync(certFile),
  configureBuckets: [{ name: bucket }],
  silent: true,
  // s3rver rebuilds the canonical URI of a bucket listing without the trailing slash
  // pgBackRest signs, so signatures cannot be compared; the access key id still is.
  allowMismatchedSignatures: true,
});
await server.run();
console.log("ready");
process.on("SIGTERM", () => server.close().then(() => process.exit(0)));
