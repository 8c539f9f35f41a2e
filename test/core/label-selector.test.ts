// Label selectors as Kubernetes documents them ("Labels and Selectors": equality- and
// set-based requirements, ANDed), case by case.
import { describe, expect, it } from "vitest";
import { type LabelSelector, selects } from "../../src/core/label-selector.ts";

const pod = { app: "postgres", tier: "db", env: "prod" };

describe("a label selector", () => {
  it.each<[string, LabelSelector | undefined, boolean]>([
    ["an absent selector selects everything", undefined, true],
    ["an empty selector selects everything", {}, true],
    ["matchLabels: every pair must match", { matchLabels: { app: "postgres", tier: "db" } }, true],
    [
      "matchLabels: one wrong value fails",
      { matchLabels: { app: "postgres", tier: "web" } },
      false,
    ],
    ["matchLabels: a missing key fails", { matchLabels: { zone: "a" } }, false],
    [
      "In: the value is one of those listed",
      { matchExpressions: [{ key: "env", operator: "In", values: ["qa", "prod"] }] },
      true,
    ],
    [
      "In: a value not listed fails",
      { matchExpressions: [{ key: "env", operator: "In", values: ["qa"] }] },
      false,
    ],
    [
      "In: a missing key fails",
      { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] },
      false,
    ],
    [
      "NotIn: a value not listed passes",
      { matchExpressions: [{ key: "env", operator: "NotIn", values: ["qa"] }] },
      true,
    ],
    [
      "NotIn: a listed value fails",
      { matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] },
      false,
    ],
    [
      "NotIn: a missing key passes",
      { matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] },
      true,
    ],
    ["Exists: the key is there", { matchExpressions: [{ key: "tier", operator: "Exists" }] }, true],
    ["Exists: the key is not", { matchExpressions: [{ key: "zone", operator: "Exists" }] }, false],
    [
      "DoesNotExist: the key is not there",
      { matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] },
      true,
    ],
    [
      "DoesNotExist: the key is there",
      { matchExpressions: [{ key: "app", operator: "DoesNotExist" }] },
      false,
    ],
    [
      "matchLabels and matchExpressions are ANDed",
      {
        matchLabels: { app: "postgres" },
        matchExpressions: [{ key: "env", operator: "In", values: ["qa"] }],
      },
      false,
    ],
    [
      "every expression must hold",
      {
        matchExpressions: [
          { key: "tier", operator: "Exists" },
          { key: "env", operator: "NotIn", values: ["qa"] },
        ],
      },
      true,
    ],
  ])("%s", (_name, selector, expected) => {
    expect(selects(selector, pod)).toBe(expected);
  });

  it("refuses an operator Kubernetes does not have, naming it", () => {
    expect(() =>
      selects({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }, pod),
    ).toThrow("unknown operator Gt");
  });

  it("treats labels an object does not have as none", () => {
    expect(selects({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, undefined)).toBe(
      true,
    );
  });
});
