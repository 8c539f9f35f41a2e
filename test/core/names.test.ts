// The names module keeps its promises: docs/architecture.md's table lists every label and
// annotation it defines, who asked is read under the former keys too, a Job has ended only
// on a terminal condition that is True, and workloads read and write as kubectl's text.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mib } from "../../src/core/names/formats.ts";
import {
  endedConditions,
  parseWorkload,
  terminalCondition,
  workloadText,
} from "../../src/core/names/kinds.ts";
import * as labels from "../../src/core/names/labels.ts";
import { projectPath } from "../../src/core/paths.ts";

describe("the names module", () => {
  it("has every label and annotation key in docs/architecture.md's table", () => {
    const docs = readFileSync(projectPath("docs/architecture.md"), "utf8");
    const start = docs.indexOf("## Names, labels and annotations");
    const table = docs.slice(start, docs.indexOf("\n## ", start + 1));
    const keys = Object.entries(labels)
      .filter(([name]) => /_(LABEL|ANNOTATION)$/.test(name))
      .map(([, key]) => key as string);
    expect(keys.length).toBeGreaterThan(10);
    // A key is written `key` or `key: value`.
    const listed = (key: string) => table.includes(`\`${key}\``) || table.includes(`\`${key}: `);
    expect(keys.filter((key) => !listed(key))).toEqual([]);
  });

  it.each([
    ["the current key", { "mcpgov-backup/requested-by": "alice" }, "alice"],
    ["the lock's former key", { "mcpgov-backup/requester": "bob" }, "bob"],
    ["the Action's former key", { "mcpgov-backup/actor": "carol" }, "carol"],
    [
      "the current key before a former one",
      { "mcpgov-backup/actor": "x", "mcpgov-backup/requested-by": "dan" },
      "dan",
    ],
    ["none of them", { "mcpgov-backup/operation": "op1" }, undefined],
  ])("reads who asked from %s", (_, annotations, who) => {
    expect(labels.requestedBy(annotations)).toBe(who);
  });

  it.each([
    ["no conditions", undefined, undefined],
    ["a Complete condition that is True", endedConditions("Complete"), "Complete"],
    [
      "a Failed condition that is True",
      endedConditions("Failed", "BackoffLimitExceeded"),
      "Failed",
    ],
    ["a Failed condition that is False", [{ type: "Failed", status: "False" }], undefined],
    ["a condition that is not terminal", [{ type: "Suspended", status: "True" }], undefined],
  ])("finds a Job's end in %s", (_, conditions, outcome) => {
    expect(terminalCondition(conditions)?.type).toBe(outcome);
  });

  it.each(["deployment/governance-api", "statefulset/ledger-worker"])(
    "reads and writes %s as kubectl does",
    (text) => {
      const workload = parseWorkload(text);
      expect(workload && workloadText(workload)).toBe(text);
    },
  );

  it("refuses a workload of another kind", () => {
    expect(parseWorkload("daemonset/agent")).toBeUndefined();
  });

  it("writes sizes in MiB with one decimal", () => {
    expect(mib(5_000_000)).toBe("4.8 MiB");
  });
});
