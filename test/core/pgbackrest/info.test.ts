// Parsing `pgbackrest info --output=json`, from output captured from a real run of
// pgBackRest 2.45 (test/fixtures/pgbackrest/info-full-diff.json: one full, one diff).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findStanza, parseInfo, validBackups } from "../../../src/core/pgbackrest/info.ts";

const captured = readFileSync(
  new URL("../../fixtures/pgbackrest/info-full-diff.json", import.meta.url),
  "utf8",
);

describe("pgbackrest info", () => {
  it("keeps the 64-bit system identifier digit for digit", () => {
    const digits = /"system-id":(\d+)/.exec(captured)?.[1];
    expect(digits).toMatch(/^\d{19}$/);
    // A JSON number this large loses its last digits as a double.
    expect(String(JSON.parse(`[${digits}]`)[0])).not.toBe(digits);
    expect(findStanza(parseInfo(captured), "mcpgov").db[0]?.["system-id"]).toBe(digits);
  });

  it("lists the backups oldest first, the diff referring to the full", () => {
    const [full, diff] = validBackups(findStanza(parseInfo(captured), "mcpgov"));
    expect(full?.type).toBe("full");
    expect(diff?.type).toBe("diff");
    expect(diff?.prior).toBe(full?.label);
    expect(full?.timestamp.stop).toBeLessThanOrEqual(diff?.timestamp.start ?? 0);
  });

  it("leaves out backups pgBackRest marks as in error", () => {
    const stanzas = parseInfo(captured);
    const stanza = findStanza(stanzas, "mcpgov");
    const broken = { ...stanza, backup: stanza.backup.map((b, i) => ({ ...b, error: i === 0 })) };
    expect(validBackups(broken).map((b) => b.type)).toEqual(["diff"]);
  });

  it.each([
    [
      "text output",
      "stanza: mcpgov\n    status: ok",
      "output is not JSON; was --output=json given?",
    ],
    ["an object instead of a list", '{"name":"mcpgov"}', "expected an array of stanzas"],
  ])("refuses %s with a message that says what to do", (_, input, message) => {
    expect(() => parseInfo(input)).toThrow(message);
  });

  it("reads a status message holding raw bytes, as a wrong passphrase makes pgBackRest print", () => {
    const garbage = `[{"name":"mcpgov","status":{"code":99,"message":"other"},"repo":[{"key":2,"cipher":"aes-256-cbc","status":{"code":99,"message":"[FormatError] key/value found outside of section at line 1: \u0001\u0010\u00ff"}}],"db":[],"archive":[],"backup":[]}]`;
    const [stanza] = parseInfo(garbage);
    expect(stanza?.repo?.[0]?.status.message).toMatch(
      /^\[FormatError\] key\/value found outside of section at line 1: {3}\u00ff$/,
    );
  });

  it("names the stanzas it has when the one asked for is missing", () => {
    expect(() => findStanza(parseInfo(captured), "other")).toThrow(
      "stanza other not found in pgbackrest info (stanzas: mcpgov)",
    );
  });
});
