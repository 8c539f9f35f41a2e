// The names /restore table takes and makes: a table reference reaches SQL and a shell
// argument, so only unquoted lower-case names are read; the copy's name stays within
// PostgreSQL's 63 bytes, whatever the table's length.
import { describe, expect, it } from "vitest";
import { parseTableRef, restoredName } from "../../src/core/operations/restore-table.ts";

describe("parseTableRef", () => {
  it("reads schema.table and database.schema.table", () => {
    expect(parseTableRef("public.governance_policies")).toEqual({
      schema: "public",
      table: "governance_policies",
    });
    expect(parseTableRef(" mcpgov.audit.events_2026 ")).toEqual({
      database: "mcpgov",
      schema: "audit",
      table: "events_2026",
    });
  });

  it.each([
    "governance_policies",
    "public.Policies",
    'public."policies"',
    "public.x;drop table y",
    "public.x$(reboot)",
    "a.b.c.d",
    "public.",
    `public.${"x".repeat(64)}`,
  ])("refuses %j, saying how to write a table", (text) => {
    expect(() => parseTableRef(text)).toThrow(
      /is not a table: write schema\.table or database\.schema\.table/,
    );
  });
});

describe("restoredName", () => {
  const at = Date.parse("2026-11-24T14:30:15.250Z");

  it("is the table's name, _restored_ and the point to the second", () => {
    expect(restoredName("governance_policies", at)).toBe(
      "governance_policies_restored_20261124t143015",
    );
  });

  it("shortens a long table's part, never the point", () => {
    const name = restoredName("t".repeat(63), at);
    expect(name).toHaveLength(63);
    expect(name.endsWith("_restored_20261124t143015")).toBe(true);
  });
});
