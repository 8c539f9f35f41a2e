// The offline check that no two backups of one stanza can collide: every backup CronJob
// of a namespace (one pgbackrest-config, one stanza) waits for the stanza's backup lock
// when another backup holds it. The shipped overlays pass it (overlays.test.ts runs every
// check on their renders); a render where one of them would fail on the lock is refused.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { projectPath } from "../../src/core/paths.ts";
import { formatManifestProblem } from "../../src/manifest-checks/problem.ts";
import { verifyManifests } from "../../src/manifest-checks/verify.ts";

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

const production = renderKustomization(projectPath("examples", "production"));

/** The production render's objects, the named CronJobs' containers running kubectl exec bare. */
function withBareExec(names: string[]): KubeObject[] {
  return structuredClone(production).map((o) => {
    if (o.kind !== "CronJob" || !names.includes(o.metadata.name)) return o;
    const container = (o.spec as Any).jobTemplate.spec.template.spec.containers[0];
    const argv: string[] = [...(container.command ?? []), ...(container.args ?? [])];
    container.command = argv.slice(argv.indexOf("kubectl"));
    delete container.args;
    return o;
  });
}

/** The lock findings of the offline checks on the objects. */
function lockProblems(objects: KubeObject[]): string[] {
  const docs = objects.map((object, index) => ({ file: "render", index, object }));
  return verifyManifests(docs)
    .filter((p) => /backup lock/.test(p.message))
    .map(formatManifestProblem);
}

describe("the backup lock check", () => {
  it("passes the production overlay's render: its four backup CronJobs wait for the lock", () => {
    expect(lockProblems(production)).toEqual([]);
  });

  it("refuses a render where one backup CronJob fails at once on a held lock", () => {
    expect(lockProblems(withBareExec(["pgbackrest-full-backup-s3"]))).toEqual([
      expect.stringMatching(
        /CronJob\/pgbackrest-full-backup-s3: .*command: .*fails at once .*backup lock.*pgbackrest-full-backup, pgbackrest-diff-backup, pgbackrest-diff-backup-s3/,
      ),
    ]);
  });

  it("refuses each of several", () => {
    const refused = lockProblems(
      withBareExec(["pgbackrest-full-backup", "pgbackrest-diff-backup"]),
    );
    expect(refused).toHaveLength(2);
  });
});
