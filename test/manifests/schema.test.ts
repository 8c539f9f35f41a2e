// Every manifest is valid Kubernetes 1.34 to the field, and each kind of schema mistake
// is reported with the file, the object and the field.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifestFile, type ManifestDoc } from "../../src/core/manifests/load.ts";
import { formatManifestProblem } from "../../src/manifest-checks/problem.ts";
import { validateSchema } from "../../src/manifest-checks/schema.ts";
import { loadCommittedManifests, root } from "./support.ts";

const fixtures = join(root, "test/fixtures/manifests");
const problemsIn = (file: string) =>
  loadManifestFile(join(fixtures, file)).flatMap(validateSchema).map(formatManifestProblem);

describe("Kubernetes 1.34 schemas", () => {
  it.each(
    loadCommittedManifests().map(
      (d) => [`${d.file.split("/manifests/")[1]} ${d.object.kind}`, d] as const,
    ),
  )("%s is valid, with no unknown field", (_, doc) => {
    expect(validateSchema(doc).map(formatManifestProblem)).toEqual([]);
  });

  it("reports a misspelt field that a lax schema check accepts, with a suggestion", () => {
    expect(problemsIn("typo-volume-mount.yaml")).toEqual([
      `${fixtures}/typo-volume-mount.yaml: CronJob/typo: spec.jobTemplate.spec.template.spec.containers[0].volumeMount: unknown field "volumeMount" (did you mean "volumeMounts"?)`,
    ]);
  });

  it.each([
    [
      "an enum value",
      'spec.concurrencyPolicy: must be one of Allow, Forbid, Replace (got "Forbidden")',
    ],
    ["a type", "spec.jobTemplate.spec.backoffLimit: must be integer (got string)"],
    [
      "a required field",
      'spec.jobTemplate.spec.template.spec.containers[0]: required field "name" is missing',
    ],
  ])("reports %s with the field's path", (_, expected) => {
    expect(problemsIn("bad-values.yaml")).toContain(
      `${fixtures}/bad-values.yaml: CronJob/bad-values: ${expected}`,
    );
  });

  it("reports a kind the API does not have", () => {
    expect(problemsIn("unknown-kind.yaml").join()).toContain(
      "unknown-kind.yaml: CronJobs/plural: kind: kind CronJobs in apiVersion batch/v1 is not one this validator knows",
    );
  });

  it("reads YAML as Kubernetes does: 0440 is octal, dates and 1:20 stay strings", () => {
    const [doc] = loadManifestFile(join(fixtures, "yaml-1-1-values.yaml"));
    expect(doc?.object.data).toEqual({ since: "2024-01-01", every: "1:20" });
    expect(validateSchema(doc as ManifestDoc)).toEqual([]);
    const [, statefulSet] = loadManifestFile(join(root, "manifests/postgres-statefulset.yaml"));
    // biome-ignore lint/suspicious/noExplicitAny: reading the volume
    const volumes = (statefulSet as any).object.spec.template.spec.volumes;
    expect(
      volumes.find((v: { name: string }) => v.name === "pgbackrest-config").projected.defaultMode,
    ).toBe(0o440);
  });

  it("refuses a document that is not a mapping, with the file and line", () => {
    expect(() => loadManifestFile(join(fixtures, "not-a-mapping.yaml"))).toThrow(
      /not-a-mapping\.yaml: the document at line 2 is not a mapping of fields/,
    );
  });

  it("reports a YAML syntax error with the file and line", () => {
    expect(() => loadManifestFile(join(fixtures, "yaml-syntax.yaml"))).toThrow(
      /yaml-syntax\.yaml: YAML error at line \d+/,
    );
  });
});
