// An S3-compatible server as a pod of the local cluster runner, behind a Service with a
// certificate from a test CA, and what a person makes from manifests/s3/ besides the
// overlay's ConfigMap: the CA, the key Secrets and the cipher's passphrase.
import { readFileSync } from "node:fs";
import type { Cluster, KubeObject } from "../../src/core/cluster.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";
import {
  bundledS3Server,
  iamGrants,
  makeTestCertificates,
  S3_KEYS,
  type S3KeyName,
  s3ServerCommand,
  systemNode,
} from "./s3.ts";

export const S3_BUCKET = "mcpgov-offsite";
export const S3_PORT = 9443;
const PORT = S3_PORT;
const labels = { app: "s3", "app.kubernetes.io/part-of": "mcpgov-backup-tests" };

/** The server's Deployment, Service, certificate and program; the CA, keys and passphrase. */
export function s3ServerObjects(scratch: string, namespace: string): KubeObject[] {
  const tls = makeTestCertificates(scratch, [`s3.${namespace}.svc`, "s3"]);
  const command = s3ServerCommand({
    port: PORT,
    dataDir: "/data",
    keyFile: "/tls/server.key",
    certFile: "/tls/server.crt",
    bucket: S3_BUCKET,
    address: "0.0.0.0",
    grantsFile: "/opt/s3/grants.json",
    program: [systemNode(), "/opt/s3/s3-server.mjs"],
  });
  const meta = (name: string) => ({ name, namespace, labels });
  const s3Manifest = (file: string): KubeObject => {
    const object = loadManifestFile(projectPath("manifests", "s3", file))[0]?.object as KubeObject;
    return { ...object, metadata: { ...object.metadata, namespace } };
  };
  // Each Secret from its .example file, with the keys that file names and no other.
  const secret = (file: string, values: Record<string, string>) => {
    const example = s3Manifest(file);
    const keys = Object.keys(example.stringData as Record<string, string>).sort();
    if (JSON.stringify(Object.keys(values).sort()) !== JSON.stringify(keys))
      throw new Error(`${file} names the keys ${keys.join(", ")}, not ${Object.keys(values)}`);
    return { ...example, stringData: values };
  };
  const key = (file: string, name: S3KeyName) =>
    secret(file, { "s3-key": S3_KEYS[name].id, "s3-key-secret": S3_KEYS[name].secret });
  return [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: meta("s3-tls"),
      stringData: {
        "server.key": readFileSync(tls.keyFile, "utf8"),
        "server.crt": readFileSync(tls.certFile, "utf8"),
      },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta("s3-server"),
      data: {
        "s3-server.mjs": bundledS3Server(),
        "grants.json": JSON.stringify(iamGrants(S3_BUCKET)),
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta("s3"),
      spec: { selector: { app: "s3" }, ports: [{ port: PORT, targetPort: PORT }] },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta("s3"),
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "s3" } },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
            containers: [
              {
                name: "s3",
                image: "example/s3rver:5",
                command,
                ports: [{ containerPort: PORT }],
                readinessProbe: { tcpSocket: { port: PORT }, periodSeconds: 1 },
                volumeMounts: [
                  { name: "tls", mountPath: "/tls", readOnly: true },
                  { name: "server", mountPath: "/opt/s3", readOnly: true },
                  { name: "data", mountPath: "/data" },
                ],
              },
            ],
            volumes: [
              { name: "tls", secret: { secretName: "s3-tls", defaultMode: 0o440 } },
              { name: "server", configMap: { name: "s3-server" } },
              { name: "data", emptyDir: {} },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "pgbackrest-s3-ca", namespace },
      data: { "ca.crt": readFileSync(tls.caFile, "utf8") },
    },
    key("pgbackrest-s3-credentials-secret.yaml.example", "repoHost"),
    key("pgbackrest-s3-writer-secret.yaml.example", "writer"),
    key("pgbackrest-s3-reader-secret.yaml.example", "reader"),
    secret("pgbackrest-cipher-secret.yaml.example", {
      passphrase: "a-drill-test-passphrase-5e7a",
    }),
  ];
}

export async function s3Pod(cluster: Cluster, namespace: string): Promise<string> {
  const [pod] = await cluster.list("Pod", namespace, { app: "s3" });
  if (!pod) throw new Error("no s3 pod");
  return pod.metadata.name;
}
