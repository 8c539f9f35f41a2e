// The Action as GitHub runs it: the bundled dist/index.js as a process, with INPUT_*
// variables and the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, against the local
// cluster runner with real PostgreSQL and pgBackRest: deploy → verify → backup →
// validate → status. And dist/ is what the sources build.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { build, outputFiles } from "../../scripts/build.ts";
import { runActionBundle } from "../../scripts/run-action.ts";
import { OUTPUT_NAMES } from "../../src/action/steps/step.ts";

const root = new URL("../..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "mcpgov-backup-action-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const runAction = (inputs: Record<string, string>) =>
  runActionBundle(work, inputs, {
    env: {
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "org/ops",
      GITHUB_RUN_ID: "42",
      GITHUB_ACTOR: "octocat",
      GITHUB_SHA: "0123456789abcdef",
    },
  });

describe("the Action's bundle", () => {
  it("is what the sources build (run npm run build and commit dist/ after a change)", async () => {
    const fresh = join(work, "dist");
    mkdirSync(fresh, { recursive: true });
    const { packages, onDemand } = await build(fresh);
    // The local cluster runner goes to chunks of its own, read only by cluster: local.
    expect(onDemand).toBeGreaterThan(0);
    expect(outputFiles(join(root, "dist"))).toEqual(outputFiles(fresh));
    for (const file of outputFiles(fresh))
      expect([
        file,
        readFileSync(join(root, "dist", file), "utf8") === readFileSync(join(fresh, file), "utf8"),
      ]).toEqual([file, true]);
    expect(readFileSync(join(fresh, "index.js"), "utf8")).not.toContain("class LocalCluster");
    // The notices name every package whose code the bundle holds, each with its licence.
    const notices = readFileSync(join(root, "dist/licenses.txt"), "utf8");
    expect(packages.map((p) => p.name)).toEqual(
      expect.arrayContaining(["@actions/core", "@kubernetes/client-node", "yaml"]),
    );
    for (const p of packages) {
      expect(notices).toContain(`- ${p.name}@${p.version} (${p.license})`);
      expect([p.name, p.license]).not.toEqual([p.name, ""]);
    }
    // Nothing the package declares goes unused: every dependency is in the bundle (probot
    // is the bot's, which runs from the sources).
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const unused = Object.keys(manifest.dependencies).filter(
      (name) => name !== "probot" && !packages.some((p) => p.name === name),
    );
    expect(unused).toEqual([]);
  }, 120_000);

  it("declares node24 and the entry point in action.yml, with every input it reads", () => {
    const action = parse(readFileSync(join(root, "action.yml"), "utf8"));
    expect(action.runs).toEqual({ using: "node24", main: "dist/index.js" });
    const source = readFileSync(join(root, "src/action/inputs.ts"), "utf8");
    const read = [...source.matchAll(/get\("([\w-]+)"\)/g)].map((m) => m[1]);
    expect(Object.keys(action.inputs).sort()).toEqual([...new Set(read)].sort());
  });

  it("declares in action.yml every output the code can set, and no other", () => {
    const action = parse(readFileSync(join(root, "action.yml"), "utf8"));
    expect(Object.keys(action.outputs).sort()).toEqual([...OUTPUT_NAMES].sort());
  });

  it("refuses a misspelt operation with a message that lists the right ones", async () => {
    const { code, log, result } = await runAction({ operations: "deploy bakup", cluster: "local" });
    const message =
      'input operations: "bakup" is not one of deploy, verify, backup, validate, status, mark';
    expect(log).toContain(`::error::${message}`);
    // The result file says the same, for a program that runs the Action.
    expect(result).toMatchObject({
      ok: false,
      results: [],
      error: expect.stringContaining(message),
    });
    expect(code).toBe(1);
  });
});

describe("the Action against the local cluster runner", () => {
  it("deploys, verifies, backs up, validates and reports, with outputs and a job summary", async () => {
    const { code, log, outputs, summary, result } = await runAction({
      // deploy twice: the second run must change nothing and succeed. The mark comes after
      // the backup's stop second, inside the recovery window, so status lists it.
      // A clone of the newest state, then dropped: nothing of it is left.
      operations: "deploy deploy verify backup validate mark status clone drop-clone",
      cluster: "local",
      "timeout-minutes": "5",
      "restore-point": "before-migration-42",
      "clone-point": "latest",
      "clone-ttl": "1h",
      image: "registry.example/mcpgov/pgbackrest:test",
    });
    expect(log).not.toContain("::error::");
    // The image input replaced the pgBackRest image, which every container of the base runs.
    expect(log).toContain("image registry.example/mcpgov/pgbackrest:test: not pulled");
    expect(log).not.toContain("image ghcr.io/");
    expect(outputs["backup-label"]).toMatch(/^\d{8}-\d{6}F$/);
    expect(outputs["validation-status"]).toBe("passed");
    expect(JSON.parse(readFileSync(outputs["report-path"] ?? "", "utf8"))).toMatchObject({
      status: "passed",
      backup: { label: outputs["backup-label"] },
    });
    expect(outputs["recovery-window-start"]).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(Number(outputs["duration-seconds"])).toBeGreaterThan(0);
    // A run of every operation sets every output action.yml declares, and only those; the
    // drill's, which needs a bucket and a drill namespace, in test/e2e/drill.test.ts.
    const declared = parse(readFileSync(join(root, "action.yml"), "utf8")).outputs;
    const drillOutputs = [
      "drill-status",
      "drill-rto-seconds",
      "drill-rpo-seconds",
      "drill-report-path",
    ];
    expect(Object.keys(outputs).sort()).toEqual(
      Object.keys(declared)
        .filter((name) => !drillOutputs.includes(name))
        .sort(),
    );
    expect(JSON.parse(outputs["backups-json"] ?? "")).toEqual([
      {
        label: outputs["backup-label"],
        type: "full",
        repo: 1,
        start: expect.any(Number),
        stop: expect.any(Number),
        size: expect.any(Number),
      },
    ]);
    expect(outputs["restore-point-lsn"]).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(outputs["clone-service"]).toBe(`mcpgov-clone-${outputs["clone-id"]}`);
    // Where a pod connects: the Service qualified with its namespace (L2).
    expect(outputs["clone-host"]).toBe(`mcpgov-clone-${outputs["clone-id"]}.ai-governance.svc`);
    expect(summary).toMatch(
      /\| clone \| ✅ ok \| clone \w+ holds the newest state \(.+\) until \S+Z: in the cluster mcpgov-clone-\w+\.ai-governance\.svc:5432, from a laptop kubectl -n ai-governance port-forward svc\/mcpgov-clone-\w+ 5433:5432 \|/,
    );
    expect(summary).toMatch(/\| drop-clone \| ✅ ok \| clone \w+ removed: Job\/mcpgov-clone-/);
    expect(summary).toMatch(/\| mark \| ✅ ok \| restore point before-migration-42 at /);
    expect(summary).toMatch(/marks before-migration-42 \(\d{4}-\d\d-\d\dT[\d:.]+Z\)/);
    for (const step of ["deploy", "verify", "backup", "validate", "status"])
      expect(summary).toMatch(new RegExp(`\\| ${step} \\| ✅ ok \\|`));
    expect(summary).toContain("stanza mcpgov ok; no backup yet");
    expect(log).toContain("Job pgbackrest-stanza-create already completed; not run again");
    expect(summary.match(/\| deploy \| ✅ ok \|/g)).toHaveLength(2);
    // The base's 31 objects (the restore, info and clone templates among them) but the
    // Namespace, which is an admin's, and the 4 Secrets made per cluster.
    expect(summary).toContain("34 objects applied; stanza mcpgov already created");
    // The restorable span is drawn at least a minute wide.
    expect(summary).not.toMatch(/any point in time :active, (\S+), \1$/m);
    expect(summary).toContain("```mermaid\ngantt");
    // The result file holds each step's typed findings; the outputs are their text.
    expect(result?.ok).toBe(true);
    expect(result?.results.map((r) => r.name)).toEqual([
      ...["deploy", "deploy", "verify", "backup", "validate", "mark", "status", "clone"],
      "drop-clone",
    ]);
    const status = result?.results.find((r) => r.name === "status");
    expect(status?.data).toEqual({
      backups: JSON.parse(outputs["backups-json"] ?? ""),
      recoveryWindow: {
        start: outputs["recovery-window-start"],
        end: outputs["recovery-window-end"],
      },
      guarantees: [
        {
          repo: 1,
          says: "repo1: the last 7 days (repo1-retention-full-type=time)",
          days: 7,
          reachesBackDays: expect.any(Number),
        },
      ],
    });
    expect(result?.outputs).toEqual(outputs);
    expect(code).toBe(0);
    // Kept for a person to read: the job summary as GitHub would render it.
    mkdirSync(join(root, "test-results"), { recursive: true });
    writeFileSync(join(root, "test-results/action-summary.md"), summary);
  }, 600_000);
});
