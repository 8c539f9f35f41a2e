// manifests/s3/ against the base manifests: every pod that runs pgBackRest reads the S3
// settings, keys and passphrase (optionally, so the base runs without them) and may reach
// the bucket through its NetworkPolicies; the -s3 CronJobs are the seed's commands for
// repository 2 at hours that keep clear of repository 1's backups.
import { readFileSync } from "node:fs";
import type { V1Container, V1PodSpec } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { selects } from "../../src/core/label-selector.ts";
import type { ManifestDoc } from "../../src/core/manifests/load.ts";
import {
  containerArgv,
  containersOf,
  podLabelsOf,
  podSpecOf,
  programArgv,
} from "../../src/core/manifests/pod.ts";
import { loadCommittedManifests } from "./support.ts";

const docs = loadCommittedManifests();
// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

function find(kind: string, name: string): Any {
  const doc = docs.find((d) => d.object.kind === kind && (d.object as Any).metadata.name === name);
  if (!doc) throw new Error(`${kind}/${name} not found`);
  return doc.object;
}

/** Each pod template and its labels. */
const pods = docs.flatMap((d: ManifestDoc) => {
  const spec = podSpecOf(d.object);
  if (!spec) return [];
  const o = d.object as Any;
  return [
    {
      name: `${o.kind}/${o.metadata.name}`,
      spec: spec as V1PodSpec,
      labels: podLabelsOf(o) ?? {},
    },
  ];
});

/**
 * The containers where pgBackRest reads or writes the repositories: PostgreSQL's
 * (archive_command), the repository host's (the backups exec there), the restores' and
 * validations'. Not a clone's PostgreSQL, which must not reach them. Not kubectl, and not the TLS server beside PostgreSQL, which only serves
 * the data directory.
 */
function pgbackrestContainers(spec: V1PodSpec): V1Container[] {
  const containers = containersOf(spec);
  const besidePostgres = containers.some((c) => c.name === "postgres");
  return containers.filter((c) => {
    const argv = programArgv(c);
    if (argv[0] === "kubectl") return false;
    // A clone's PostgreSQL has no pgBackRest at all (manifests/clone/).
    if (c.name === "postgres") return (c.env ?? []).some((e) => e.name.startsWith("PGBACKREST_"));
    if (argv[0] === "pgbackrest") return !besidePostgres;
    return argv[0]?.endsWith("restore-validation.sh") === true;
  });
}

const usesS3 = pods.filter((p) => pgbackrestContainers(p.spec).length > 0);

describe("the S3 repository's settings reach every pod that runs pgBackRest", () => {
  it("finds the pods: PostgreSQL, the repository host, the validations, the restores and pgbackrest info's", () => {
    expect(usesS3.map((p) => p.name).sort()).toEqual([
      "CronJob/pgbackrest-info",
      "CronJob/pgbackrest-restore",
      "CronJob/pgbackrest-restore-pitr",
      "CronJob/pgbackrest-restore-validation",
      "CronJob/pgbackrest-restore-validation-s3",
      "StatefulSet/pgbackrest-repo-host",
      "StatefulSet/postgres",
    ]);
  });

  /**
   * Whose key each pod reads (docs/s3.md, "One key per job"): only the repository host,
   * where backups and their expiry run, may delete; PostgreSQL only adds WAL; the rest read.
   */
  const keyOf: Record<string, string> = {
    "StatefulSet/pgbackrest-repo-host": "pgbackrest-s3-credentials",
    "StatefulSet/postgres": "pgbackrest-s3-writer",
    "CronJob/pgbackrest-restore": "pgbackrest-s3-reader",
    "CronJob/pgbackrest-restore-pitr": "pgbackrest-s3-reader",
    "CronJob/pgbackrest-restore-validation": "pgbackrest-s3-reader",
    "CronJob/pgbackrest-restore-validation-s3": "pgbackrest-s3-reader",
    "Deployment/pgbackrest-metrics": "pgbackrest-s3-reader",
    "CronJob/pgbackrest-info": "pgbackrest-s3-reader",
  };

  it.each(usesS3.map((p) => [p.name, p] as const))(
    "%s reads the settings, its own key, the passphrase and CA, each optional",
    (_, pod) => {
      const keySecret = keyOf[pod.name];
      expect(keySecret, `${pod.name} has no key of its own in this test`).toBeDefined();
      for (const container of pgbackrestContainers(pod.spec)) {
        expect(container.envFrom).toContainEqual({
          configMapRef: { name: "pgbackrest-s3", optional: true },
        });
        const refs = Object.fromEntries(
          (container.env ?? []).map((e) => [e.name, e.valueFrom?.secretKeyRef]),
        );
        expect(refs).toMatchObject({
          PGBACKREST_REPO2_S3_KEY: {
            name: keySecret,
            key: "s3-key",
            optional: true,
          },
          PGBACKREST_REPO2_S3_KEY_SECRET: {
            name: keySecret,
            key: "s3-key-secret",
            optional: true,
          },
          PGBACKREST_REPO2_CIPHER_PASS: {
            name: "pgbackrest-cipher",
            key: "passphrase",
            optional: true,
          },
        });
      }
      const sources = (pod.spec.volumes ?? []).flatMap((v) => v.projected?.sources ?? []);
      expect(sources).toContainEqual({
        configMap: {
          name: "pgbackrest-s3-ca",
          optional: true,
          items: [{ key: "ca.crt", path: "s3/ca.crt" }],
        },
      });
    },
  );

  it("names the CA file where the pods mount it", () => {
    const settings = find("ConfigMap", "pgbackrest-s3");
    expect(settings.data.PGBACKREST_REPO2_CIPHER_TYPE).toBe("aes-256-cbc");
    const raw = docs.find((d) => d.file.endsWith("/s3/pgbackrest-s3.yaml"));
    expect(raw).toBeDefined();
    const text = readFileSync(raw?.file ?? "", "utf8");
    expect(text).toContain("# PGBACKREST_REPO2_STORAGE_CA_FILE: /etc/pgbackrest/s3/ca.crt");
    const mounts = usesS3.flatMap((p) =>
      pgbackrestContainers(p.spec).flatMap((c) =>
        (c.volumeMounts ?? []).filter((m) => m.mountPath === "/etc/pgbackrest"),
      ),
    );
    expect(mounts.length).toBeGreaterThanOrEqual(usesS3.length);
  });

  it("lets each of them reach the bucket on 443 where a NetworkPolicy limits its egress", () => {
    const policies = docs.map((d) => d.object as Any).filter((o) => o.kind === "NetworkPolicy");
    for (const pod of usesS3) {
      const egress = policies.filter(
        (p) => p.spec.policyTypes.includes("Egress") && selects(p.spec.podSelector, pod.labels),
      );
      if (egress.length === 0) continue; // egress not restricted
      const ports = egress.flatMap((p) =>
        p.spec.egress.flatMap((rule: Any) => (rule.to ? [] : rule.ports.map((x: Any) => x.port))),
      );
      expect({ pod: pod.name, https: ports.includes(443) }).toEqual({ pod: pod.name, https: true });
    }
  });
});

describe("the -s3 CronJobs", () => {
  const base = (kind: string) => find("CronJob", `pgbackrest-${kind}`);
  const s3 = (kind: string) => find("CronJob", `pgbackrest-${kind}-s3`);
  const argv = (cronJob: Any) =>
    containerArgv(cronJob.spec.jobTemplate.spec.template.spec.containers[0]);

  it.each(["full-backup", "diff-backup"])("%s runs the seed's command with --repo=2", (kind) => {
    const seed = argv(base(kind));
    expect(argv(s3(kind))).toEqual([...seed.slice(0, -2), "--repo=2", ...seed.slice(-2)]);
  });

  it("validates repository 2", () => {
    expect(argv(s3("restore-validation")).slice(-2)).toEqual(["--repo", "2"]);
  });

  it("start at hours no backup of repository 1 starts at", () => {
    const hours = (schedule: string) => {
      const [minute, hour] = schedule.split(" ");
      const list = hour === "*/6" ? [0, 6, 12, 18] : (hour ?? "").split(",").map(Number);
      return list.map((h) => `${h}:${minute}`);
    };
    const repo1 = ["full-backup", "diff-backup"].flatMap((k) => hours(base(k).spec.schedule));
    const repo2 = ["full-backup", "diff-backup"].flatMap((k) => hours(s3(k).spec.schedule));
    expect(repo2.filter((t) => repo1.includes(t))).toEqual([]);
  });
});
