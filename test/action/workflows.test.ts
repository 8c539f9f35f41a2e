// action.yml and every workflow shipped are valid to an offline validator of GitHub's
// schemas, which reports unknown keys too.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { validateAction, validateWorkflow } from "@action-validator/core";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const workflows = [
  ...readdirSync(join(root, ".github/workflows")).map((f) => `.github/workflows/${f}`),
  ...readdirSync(join(root, "docs/examples")).map((f) => `docs/examples/${f}`),
];

describe("workflows and action.yml", () => {
  it("action.yml is a valid action", () => {
    // The validator's schema predates node24 (GitHub's runtime for Actions since Node 20's
    // end of life); action.test.ts checks `using: node24` itself, the rest is checked here.
    const action = readFileSync(join(root, "action.yml"), "utf8");
    expect(action).toContain("\n  using: node24\n");
    expect(
      validateAction(action.replace("\n  using: node24\n", "\n  using: node20\n")).errors,
    ).toEqual([]);
  });

  it("the validator reports an unknown key in action.yml", () => {
    const broken = readFileSync(join(root, "action.yml"), "utf8")
      .replace("using: node24", "using: node20")
      .replace("outputs:", "outputz:");
    expect(validateAction(broken).errors.length).toBeGreaterThan(0);
  });

  it.each(workflows)("%s is a valid workflow", (file) => {
    expect(validateWorkflow(readFileSync(join(root, file), "utf8")).errors).toEqual([]);
  });

  it("the validator reports an unknown key (it can fail)", () => {
    const broken = readFileSync(join(root, ".github/workflows/ci.yml"), "utf8").replace(
      "runs-on:",
      "runs-onn:",
    );
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it("pins every action a workflow uses to a full commit, its version in a comment", () => {
    const loose: string[] = [];
    for (const file of workflows)
      for (const line of readFileSync(join(root, file), "utf8").split("\n")) {
        const uses = /^\s*(?:- )?uses: (\S+)(.*)$/.exec(line);
        if (!uses) continue;
        const [, target = "", comment = ""] = uses;
        // This repository's own action and workflows, and the product itself in the examples
        // a user copies (the README's "Versions": @v1 is what they should pin).
        if (target.startsWith("./") || target === "org/mcpgov-backup@v1") continue;
        if (
          !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(target) ||
          !/^ # v\d+\.\d+\.\d+$/.test(comment)
        )
          loose.push(`${file}: ${line.trim()}`);
      }
    expect(loose).toEqual([]);
  });
});
