// docs/security.md names, for each threat, the tests that hold its control: each named
// test must exist, in the file the row names, so that the page cannot outlive its tests.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const page = readFileSync(join(root, "docs/security.md"), "utf8");
const rows = page.split("\n").filter((line) => /^\| \d+ \|/.test(line));

describe("docs/security.md", () => {
  it("has a row per threat, each with a test", () => {
    expect(rows.length).toBeGreaterThanOrEqual(14);
    for (const row of rows) expect(row).toMatch(/`test\/[^`]+\.test\.ts`/);
  });

  it("names only test files and test titles that exist", () => {
    const missing: string[] = [];
    for (const row of rows) {
      const testCell = row.split(" | ").at(-1) ?? "";
      // Each file, then the titles quoted after it (a title may be cut short with …).
      for (const part of testCell.split(/(?=`test\/)/)) {
        const file = /^`(test\/[^`]+\.test\.ts)`/.exec(part)?.[1];
        if (!file) continue;
        if (!existsSync(join(root, file))) {
          missing.push(file);
          continue;
        }
        const source = readFileSync(join(root, file), "utf8");
        for (const [, title = ""] of part.matchAll(/"([^"]+)"/g)) {
          const text = title.replace(/…$/, "");
          if (!source.includes(text)) missing.push(`${file}: ${title}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
