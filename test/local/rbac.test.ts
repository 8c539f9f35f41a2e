// RBAC rules as Kubernetes' authoriser documents them ("Using RBAC Authorization"): groups,
// resources and verbs each matched or "*", subresources named as resource/subresource,
// resourceNames restricting get-like requests and never allowing list or create.
import { describe, expect, it } from "vitest";
import { type Access, type PolicyRule, ruleAllows } from "../../src/local/runner/rbac.ts";

const execIn = (name?: string): Access => ({
  verb: "create",
  group: "",
  resource: "pods/exec",
  name,
});

describe("an RBAC rule", () => {
  it.each<[string, PolicyRule, Access, boolean]>([
    [
      "allows what it lists",
      { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] },
      execIn("postgres-0"),
      true,
    ],
    [
      "does not give a subresource for its resource",
      { apiGroups: [""], resources: ["pods"], verbs: ["create"] },
      execIn("postgres-0"),
      false,
    ],
    [
      "does not cross API groups",
      { apiGroups: ["apps"], resources: ["pods/exec"], verbs: ["create"] },
      execIn("postgres-0"),
      false,
    ],
    [
      "takes * for groups, resources and verbs",
      { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
      execIn("x"),
      true,
    ],
    [
      "needs the verb",
      { apiGroups: [""], resources: ["pods/exec"], verbs: ["get"] },
      execIn("postgres-0"),
      false,
    ],
    [
      "with resourceNames, allows the names listed",
      {
        apiGroups: [""],
        resources: ["pods/exec"],
        resourceNames: ["postgres-0"],
        verbs: ["create"],
      },
      execIn("postgres-0"),
      true,
    ],
    [
      "with resourceNames, refuses other names",
      {
        apiGroups: [""],
        resources: ["pods/exec"],
        resourceNames: ["postgres-0"],
        verbs: ["create"],
      },
      execIn("postgres-1"),
      false,
    ],
    [
      "with resourceNames, never allows a request that names nothing (list, create)",
      { apiGroups: [""], resources: ["pods"], resourceNames: ["postgres-0"], verbs: ["list"] },
      { verb: "list", group: "", resource: "pods" },
      false,
    ],
    [
      "takes no wildcard in resourceNames",
      { apiGroups: [""], resources: ["pods/exec"], resourceNames: ["*"], verbs: ["create"] },
      execIn("postgres-0"),
      false,
    ],
  ])("%s", (_name, rule, access, expected) => {
    expect(ruleAllows(rule, access)).toBe(expected);
  });
});
