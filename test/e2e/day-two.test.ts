// Day two on the local cluster runner: the same manifests applied again with a new image,
// by a plain apply (`kubectl apply -k`), succeed. A finished Job's pod template is
// immutable, so the stanza-create Job must be gone by then: it removes itself
// (ttlSecondsAfterFinished) after leaving its logs to read, and the next apply makes it
// again (stanza-create and check are safe to repeat). The manifests are applied through an
// overlay that changes nothing but that time, to seconds instead of the base's five
// minutes (test/manifests/kustomize.test.ts holds the base to its 300 s), so the file
// need not wait five minutes.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { KubeObject } from "../../src/core/cluster.ts";
import { jobEnding } from "../../src/core/jobs.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { manifestObjects } from "../../src/core/manifests/per-cluster-secrets.ts";
import { deploy } from "../../src/core/operations/deploy.ts";
import { projectPath } from "../../src/core/paths.ts";
import { withoutProgress } from "../../src/core/progress.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { localClusterForFile, TIMEOUT } from "../support/e2e-cluster.ts";

const e2e = localClusterForFile();
const ns = DEFAULT_SETTINGS.namespace;
const JOB = "pgbackrest-stanza-create";
const IMAGE = "ghcr.io/org/mcpgov-backup-pgbackrest:15.19-2.55.1";
const NEW_IMAGE = "ghcr.io/org/mcpgov-backup-pgbackrest:15.19-2.55.1-day-two";

/** The stanza Job's time after it ends in the overlay: long enough to read its logs here. */
const SHORT_TTL = 10;

let overlay = "";
let objects: KubeObject[] = [];

const stanzaJobOf = (list: KubeObject[]) =>
  list.find((o) => o.kind === "Job" && o.metadata.name === JOB) as KubeObject & {
    spec: { ttlSecondsAfterFinished?: number };
  };

const images = (object: KubeObject | undefined) =>
  [...JSON.stringify(object ?? {}).matchAll(/"image":"([^"]+)"/g)].map((m) => m[1]);

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

beforeAll(() => {
  overlay = join(e2e.scratch, "short-stanza-ttl");
  const patch = {
    target: { kind: "Job", name: JOB },
    patch: stringify([{ op: "replace", path: "/spec/ttlSecondsAfterFinished", value: SHORT_TTL }]),
  };
  // kustomize takes a base by a relative path only ("new root cannot be absolute").
  const kustomization = {
    // fifo: the objects stay in the base's order, as an overlay of it is applied.
    sortOptions: { order: "fifo" },
    resources: [relative(overlay, projectPath("manifests"))],
    patches: [patch],
  };
  mkdirSync(overlay);
  writeFileSync(join(overlay, "kustomization.yaml"), stringify(kustomization));
});

describe("day two: the same manifests applied again with a new image", () => {
  it("the overlay is the base but for the stanza Job's time after it ends", () => {
    const base = renderKustomization(projectPath("manifests"));
    const shortened = renderKustomization(overlay);
    expect(stanzaJobOf(shortened).spec.ttlSecondsAfterFinished).toBe(SHORT_TTL);
    stanzaJobOf(shortened).spec.ttlSecondsAfterFinished =
      stanzaJobOf(base).spec.ttlSecondsAfterFinished;
    expect(shortened).toEqual(base);
  });

  it(
    "the stanza-create Job, once finished, stays for its logs, then removes itself",
    async () => {
      objects = manifestObjects(overlay);
      const first = await deploy(
        e2e.cluster,
        DEFAULT_SETTINGS,
        { objects, timeoutMs: TIMEOUT.job },
        withoutProgress,
      );
      expect(first.stanza).toBe("created");
      const ttl = stanzaJobOf(objects).spec.ttlSecondsAfterFinished;
      expect(ttl).toBe(SHORT_TTL);
      const job = (await e2e.cluster.get("Job", ns, JOB)) as KubeObject & {
        status?: { completionTime?: string };
      };
      expect(job && jobEnding(job)).toBe("Complete");
      const finished = Date.parse(job.status?.completionTime ?? "");
      expect(await e2e.cluster.logs(ns, `job/${JOB}`)).toContain(
        "stanza-create command end: completed successfully",
      );
      await until(`job/${JOB} to go`, ((ttl ?? 0) + 30) * 1000, async () => {
        return (await e2e.cluster.get("Job", ns, JOB)) === undefined;
      });
      // Not before its time: the logs were there to read.
      expect(Date.now() - finished).toBeGreaterThanOrEqual(((ttl ?? 0) - 1) * 1000);
    },
    TIMEOUT.test,
  );

  it(
    "a plain apply of every object with a new image tag succeeds, and runs the stanza Job again on it",
    async () => {
      const upgraded = JSON.parse(
        JSON.stringify(objects).replaceAll(IMAGE, NEW_IMAGE),
      ) as KubeObject[];
      expect(images(stanzaJobOf(upgraded))).toEqual([NEW_IMAGE]);
      // kubectl apply -k: every object, the Job among them, in the rendered order.
      await e2e.cluster.apply(upgraded);
      const result = await e2e.cluster.waitForJob(ns, JOB, TIMEOUT.job);
      expect(result.outcome).toBe("Complete");
      expect(images(await e2e.cluster.get("Job", ns, JOB))).toEqual([NEW_IMAGE]);
      expect(images(await e2e.cluster.get("StatefulSet", ns, "postgres"))).toEqual([
        NEW_IMAGE,
        NEW_IMAGE,
      ]);
      await e2e.cluster.waitForPodsReady(ns, { app: "postgres" }, TIMEOUT.job);
      // And the Action's deploy, run again on them, finds the stanza made.
      const again = await deploy(
        e2e.cluster,
        DEFAULT_SETTINGS,
        { objects: upgraded, timeoutMs: TIMEOUT.job },
        withoutProgress,
      );
      expect(again.stanza).toBe("already created");
      await e2e.fullBackup();
    },
    TIMEOUT.test,
  );

  it("the kind workflow does the same on Kubernetes, after the Action's first deploy", () => {
    const ci = parse(readFileSync(projectPath(".github", "workflows", "ci.yml"), "utf8")) as {
      jobs: { kind: { steps: { uses?: string; run?: string }[] } };
    };
    const steps = ci.jobs.kind.steps;
    const action = steps.findIndex((s) => s.uses === "./");
    const dayTwo = steps.findIndex((s) => s.run?.includes("newTag: day-two"));
    expect(action).toBeGreaterThan(0);
    expect(dayTwo).toBeGreaterThan(action);
    const lines = (steps[dayTwo]?.run ?? "").split("\n").map((line) => line.trim());
    const at = (start: string) => lines.findIndex((line) => line.startsWith(start));
    // The finished Job gone, then a plain apply, then the Job made again and run to the end.
    expect(at('kubectl wait --for=delete "job/pgbackrest-stanza-create"')).toBe(0);
    expect(at("kubectl apply -k day-two")).toBeGreaterThan(0);
    expect(
      at('kubectl -n "$NAMESPACE" wait --for=condition=complete job/pgbackrest-stanza-create'),
    ).toBeGreaterThan(at("kubectl apply -k day-two"));
  });
});
