// Every input of the Action is checked before anything touches a cluster: a mistake gets
// a message that names the input and says what it should be, with the value shown
// printable and short, however it was written.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { InputError, readInputs } from "../../src/action/inputs.ts";
import { parseTtl } from "../../src/core/clone-objects.ts";
import {
  DEFAULT_CLONE_TTL,
  DEFAULT_OPS_LABEL,
  DEFAULT_RUN_INTERVAL,
} from "../../src/core/names/defaults.ts";
import { BACKUP_TYPES } from "../../src/core/names/kinds.ts";
import { projectPath } from "../../src/core/paths.ts";
import { UserError } from "../../src/core/user-error.ts";

const read = (inputs: Record<string, string>) =>
  readInputs((name) => ({ operations: "status", ...inputs })[name] ?? "");

describe("the Action's inputs", () => {
  // No namespace or stanza given is not the base's: the manifests say them
  // (test/action/settings.test.ts), and the base's apply only when nothing does.
  it("takes the defaults, leaving the namespace and the stanza to the manifests", () => {
    expect(read({})).toMatchObject({
      namespace: "",
      stanza: "",
      backupType: "full",
      timeoutMs: 30 * 60_000,
      cloneTtlMs: parseTtl(DEFAULT_CLONE_TTL),
    });
  });

  // action.yml cannot import the module: its defaults are held to it here.
  it("declares in action.yml the module's defaults and backup types", () => {
    const inputs = parse(readFileSync(projectPath("action.yml"), "utf8")).inputs;
    expect(String(inputs["clone-ttl"].default)).toBe(DEFAULT_CLONE_TTL);
    // The report's: the bot's default ops label, a weekly run, the workflow's token.
    expect(String(inputs["report-labels"].default)).toBe(DEFAULT_OPS_LABEL);
    expect(String(inputs["run-interval"].default)).toBe(DEFAULT_RUN_INTERVAL);
    expect(String(inputs["github-token"].default)).toMatch(/^\$\{\{ github\.token \}\}$/);
    expect(String(inputs.report.default)).toBe("on-failure");
    // A default here would be "given", and would be refused against an overlay of its own.
    expect(String(inputs.namespace.default)).toBe("");
    expect(String(inputs.stanza.default)).toBe("");
    for (const key of ["namespace", "stanza"])
      expect(inputs[key].description).toMatch(
        /pgbackrest-config.*refused|refused.*pgbackrest-config/,
      );
    expect(BACKUP_TYPES).toContain(String(inputs["backup-type"].default));
    for (const type of BACKUP_TYPES) expect(inputs["backup-type"].description).toContain(type);
  });

  it.each([
    [
      { operations: "backup; rm -rf /" },
      'input operations: "backup;" is not one of deploy, verify, backup, validate, status, mark',
    ],
    [
      { namespace: "ai-governance; rm -rf /" },
      'input namespace: "ai-governance; rm -rf /" is not a namespace name',
    ],
    [
      { namespace: "a".repeat(64) },
      "is not a namespace name (lower-case letters, digits and -, at most 63)",
    ],
    [{ stanza: "$(reboot)" }, 'input stanza: "$(reboot)" is not a stanza name'],
    [
      { stanza: "mcpgov\n--repo1-path=/" },
      'input stanza: "mcpgov?--repo1-path=/" is not a stanza name',
    ],
    [{ stanza: "s".repeat(500) }, `input stanza: "${"s".repeat(77)}..." is not a stanza name`],
    [
      { "timeout-minutes": "soon" },
      'input timeout-minutes: "soon" should be a number of minutes from 1 to 1440',
    ],
    [{ "timeout-minutes": "1e9" }, 'input timeout-minutes: "1e9" should be a number'],
    [{ "backup-type": "full`id`" }, 'input backup-type: "full`id`" is not one of full, diff, incr'],
    [{ cluster: "kind" }, 'input cluster: "kind" is not one of kubernetes, local'],
    [
      { image: "registry.example/pgbackrest:2.57 && curl evil" },
      'input image: "registry.example/pgbackrest:2.57 && curl evil" is not an image reference',
    ],
    [{ operations: "mark" }, "input restore-point: mark needs the restore point's name"],
    [
      { operations: "mark", "restore-point": "before'; drop table ledger; --" },
      `input restore-point: "before'; drop table ledger; --" is not a restore point name`,
    ],
    [{ operations: "drill" }, "input drill-namespace: drill needs the namespace"],
    [
      { operations: "drill", "drill-namespace": "Drill_NS" },
      'input drill-namespace: "Drill_NS" is not a namespace name',
    ],
    [
      { operations: "drill", "drill-namespace": "drill", "drill-point": "yesterday" },
      'input drill-point: "yesterday" is not a time with its zone',
    ],
  ])("refuses %j, saying what it should be", (inputs, message) => {
    // A UserError: the Action shows its message as it is.
    expect(() => read(inputs)).toThrow(InputError);
    expect(() => read(inputs)).toThrow(UserError);
    expect(() => read(inputs)).toThrow(message);
  });

  it("accepts what a workflow writes", () => {
    expect(
      read({
        operations: "deploy, verify backup",
        stanza: "mcpgov_2",
        "timeout-minutes": "90",
        image: "ghcr.io/org/mcpgov-backup-pgbackrest:15.19-2.55.1",
      }),
    ).toMatchObject({
      operations: ["deploy", "verify", "backup"],
      stanza: "mcpgov_2",
      timeoutMs: 90 * 60_000,
    });
  });

  it("takes a drill's namespace and point, and no Pushgateway: the drill pushes from inside the cluster", () => {
    const inputs = read({
      operations: "drill",
      "drill-namespace": "ai-governance-drill",
      "drill-point": "2026-11-24 14:30:00+00",
    });
    expect(inputs).toMatchObject({
      operations: ["drill"],
      drillNamespace: "ai-governance-drill",
      drillPoint: "2026-11-24 14:30:00+00",
      drillId: expect.stringMatching(/^[a-z0-9]{1,20}$/),
    });
    expect(inputs).not.toHaveProperty("drillPushgateway");
    expect(readFileSync(projectPath("action.yml"), "utf8")).not.toContain("drill-pushgateway");
  });
});
