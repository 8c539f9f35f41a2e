// An S3-compatible server for the tests (s3rver), over HTTPS, in its own process so that a
// test can stop it in the middle of a write load and start it again on the same data:
//   node test/support/s3-server.ts PORT DIRECTORY KEY_FILE CERT_FILE BUCKET [ADDRESS]
// ADDRESS is 127.0.0.1 unless given (0.0.0.0 in a pod, where clients come from outside).
// Prints "ready" once it accepts connections.
import { readFileSync } from "node:fs";
import S3rver from "@20minutes/s3rver";

const [port, directory, keyFile, certFile, bucket, address = "127.0.0.1"] = process.argv.slice(2);
if (!port || !directory || !keyFile || !certFile || !bucket) {
  console.error("usage: node test/support/s3-server.ts PORT DIRECTORY KEY_FILE CERT_FILE BUCKET");
  process.exit(2);
}
const server = new S3rver({
  address,
  port: Number(port),
  directory,
  key: readFileSync(keyFile),
  cert: readFileSync(certFile),
  configureBuckets: [{ name: bucket }],
  silent: true,
  // pgBackRest is configured for path-style URLs; a host name is never a bucket's.
  vhostBuckets: false,
  // s3rver rebuilds the canonical URI of a bucket listing without the trailing slash
  // pgBackRest signs, so signatures cannot be compared; the access key id still is.
  allowMismatchedSignatures: true,
});
await server.run();
console.log("ready");
process.on("SIGTERM", () => server.close().then(() => process.exit(0)));
