// Every pod template keeps the security and operability rules; breaking any one of them
// in a committed manifest is reported with the file, the object and the field.
import { describe, expect, it } from "vitest";
import type { ManifestDoc } from "../../src/core/manifests/load.ts";
import { formatManifestProblem } from "../../src/manifest-checks/problem.ts";
import { checkPolicy } from "../../src/manifest-checks/security-rules.ts";
import { loadCommittedManifests } from "./support.ts";

const docs = loadCommittedManifests();

// biome-ignore lint/suspicious/noExplicitAny: mutating YAML objects
type Mutation = (object: any) => void;

function problemsAfter(file: string, kind: string, mutate: Mutation): string[] {
  const doc = docs.find((d) => d.file.endsWith(`/${file}`) && d.object.kind === kind);
  if (!doc) throw new Error(`${kind} in ${file} not found`);
  const broken: ManifestDoc = { ...doc, object: structuredClone(doc.object) };
  mutate(broken.object);
  return checkPolicy(broken).map(formatManifestProblem);
}

describe("pod and workload policy", () => {
  it.each(docs.map((d) => [`${d.file.split("/").pop()} ${d.object.kind}`, d] as const))(
    "%s keeps every rule",
    (_, doc) => {
      expect(checkPolicy(doc).map(formatManifestProblem)).toEqual([]);
    },
  );

  const cases: [string, string, string, Mutation, string][] = [
    [
      "a container that may escalate privileges",
      "postgres-statefulset.yaml",
      "StatefulSet",
      (o) => delete o.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation,
      "StatefulSet/postgres: spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: must be false",
    ],
    [
      "a writable root filesystem",
      "pgbackrest-repo-host-statefulset.yaml",
      "StatefulSet",
      (o) => (o.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false),
      "containers[0].securityContext.readOnlyRootFilesystem: must be true",
    ],
    [
      "capabilities kept",
      "schedules/pgbackrest-full-backup-cronjob.yaml",
      "CronJob",
      (o) =>
        (o.spec.jobTemplate.spec.template.spec.containers[0].securityContext.capabilities.drop =
          []),
      'CronJob/pgbackrest-full-backup: spec.jobTemplate.spec.template.spec.containers[0].securityContext.capabilities.drop: must include "ALL"',
    ],
    [
      "running as root",
      "pgbackrest-stanza-create-job.yaml",
      "Job",
      (o) => (o.spec.template.spec.securityContext.runAsUser = 0),
      "Job/pgbackrest-stanza-create: spec.template.spec.securityContext.runAsUser: must be 999",
    ],
    [
      "no seccomp profile",
      "schedules/pgbackrest-restore-validation-cronjob.yaml",
      "CronJob",
      (o) => delete o.spec.jobTemplate.spec.template.spec.securityContext.seccompProfile,
      "spec.jobTemplate.spec.template.spec.securityContext.seccompProfile.type: must be RuntimeDefault",
    ],
    [
      "a :latest image",
      "schedules/pgbackrest-diff-backup-cronjob.yaml",
      "CronJob",
      (o) =>
        (o.spec.jobTemplate.spec.template.spec.containers[0].image =
          "pgbackrest/pgbackrest:latest"),
      'containers[0].image: "pgbackrest/pgbackrest:latest" must name a pinned version',
    ],
    [
      "no memory limit",
      "postgres-statefulset.yaml",
      "StatefulSet",
      (o) => delete o.spec.template.spec.containers[1].resources.limits.memory,
      "spec.template.spec.containers[1].resources.limits.memory: must be set",
    ],
    [
      "concurrent backups allowed",
      "schedules/pgbackrest-full-backup-cronjob.yaml",
      "CronJob",
      (o) => (o.spec.concurrencyPolicy = "Allow"),
      "CronJob/pgbackrest-full-backup: spec.concurrencyPolicy: must be Forbid",
    ],
    [
      "a Job without a deadline",
      "pgbackrest-stanza-create-job.yaml",
      "Job",
      (o) => delete o.spec.activeDeadlineSeconds,
      "Job/pgbackrest-stanza-create: spec.activeDeadlineSeconds: must be set",
    ],
    [
      "a CronJob without history limits",
      "schedules/pgbackrest-diff-backup-cronjob.yaml",
      "CronJob",
      (o) => delete o.spec.failedJobsHistoryLimit,
      "spec.failedJobsHistoryLimit: must be set",
    ],
    [
      "a cipher passphrase in the ConfigMap",
      "pgbackrest-config.yaml",
      "ConfigMap",
      (o) => (o.data["pgbackrest.conf"] += "repo1-cipher-pass=hunter2\n"),
      "ConfigMap/pgbackrest-config: data.pgbackrest.conf: contains a credential",
    ],
    [
      "a cipher passphrase as an environment variable in the S3 ConfigMap",
      "s3/pgbackrest-s3.yaml",
      "ConfigMap",
      (o) => (o.data.PGBACKREST_REPO2_CIPHER_PASS = "hunter2"),
      "ConfigMap/pgbackrest-s3: data.PGBACKREST_REPO2_CIPHER_PASS: is a credential",
    ],
  ];
  it.each(cases)("reports %s in %s", (_, file, kind, mutate, expected) => {
    const problems = problemsAfter(file, kind, mutate);
    expect(problems.join("\n")).toContain(`manifests/${file}: `);
    expect(problems.join("\n")).toContain(expected);
  });
});
