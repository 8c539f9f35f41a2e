import { describe, expect, it } from "vitest";
import { commandText, parseCommand } from "../../src/bot/command.ts";

describe("parseCommand", () => {
  it.each([
    ["/backup full", { name: "backup", type: "full" }],
    ["/backup diff\nplease, before the migration", { name: "backup", type: "diff" }],
    ["/backup incr  ", { name: "backup", type: "incr" }],
    ["/backup status", { name: "status" }],
    ["/backup mark before-migration-42", { name: "mark", restorePoint: "before-migration-42" }],
    ["/restore pitr mark:before-migration-42", { name: "pitr", time: "mark:before-migration-42" }],
    ["/restore validate", { name: "validate" }],
    ["/restore latest", { name: "latest" }],
    ["/restore pitr 2026-11-24 14:30:00+00", { name: "pitr", time: "2026-11-24 14:30:00+00" }],
    ["/restore confirm 1fq3x9k", { name: "confirm", id: "1fq3x9k" }],
    ["/restore cancel 1fq3x9k", { name: "cancel", id: "1fq3x9k" }],
    ["/help", { name: "help" }],
  ])("reads %j", (body, command) => {
    expect(parseCommand(body)).toEqual({ kind: "command", command });
  });

  it.each([
    ["/backup full target=payments", { name: "backup", type: "full" }, "payments"],
    ["/backup status target=ledger", { name: "status" }, "ledger"],
    [
      "/restore pitr 2026-11-24 14:30:00+00 target=payments",
      { name: "pitr", time: "2026-11-24 14:30:00+00" },
      "payments",
    ],
    [
      "/restore clone target=payments latest db=reports ttl=2h",
      { name: "clone", point: "latest", database: "reports", ttl: "2h" },
      "payments",
    ],
    ["/restore confirm 1fq3x9k target=ledger", { name: "confirm", id: "1fq3x9k" }, "ledger"],
  ])("reads %j with the target it names, apart from the command", (body, command, target) => {
    expect(parseCommand(body)).toEqual({ kind: "command", command, target });
  });

  it.each([
    ["/backup full target=Payments", "`target=` needs a target's name"],
    ["/backup full target=", "`target=` needs a target's name"],
    ["/backup full target=a target=b", "name one target, once"],
    ["/help target=payments", "`/help` takes no target"],
  ])("refuses %j", (body, message) => {
    expect(parseCommand(body)).toMatchObject({ kind: "invalid" });
    expect((parseCommand(body) as { message: string }).message).toContain(message);
  });

  it.each([
    "please run /backup full",
    "> /restore pitr 2026-11-24 14:30:00+00",
    "```\n/backup full\n```",
    "thanks!\n/backup full",
    " /backup full",
    "/backupfull",
    "/restores pitr x",
    "",
  ])("ignores %j (not a command on the first line)", (body) => {
    expect(parseCommand(body)).toEqual({ kind: "none" });
  });

  it.each([
    ["/backup", /not a command I know[\s\S]*\/backup full\|diff\|incr/],
    ["/backup everything", /not a command I know/],
    ["/backup full now", /not a command I know/],
    ["/restore", /not a command I know[\s\S]*\/restore pitr/],
    ["/restore pitr", /needs the time/],
    ["/restore confirm", /needs the id/],
    ["/restore confirm $(reboot)", /needs the id/],
    ["/restore confirm abc def", /needs the id/],
    ["/backup mark", /needs one name/],
    ["/backup mark it's-fine", /needs one name/],
    ["/backup mark two names", /needs one name/],
    ["/backup mark $(reboot)", /needs one name/],
    ["/help me", /not a command I know/],
    [`/restore pitr ${"9".repeat(300)}`, /longer than 200/],
  ])("explains what is wrong with %j", (body, message) => {
    const parsed = parseCommand(body);
    expect(parsed.kind).toBe("invalid");
    expect(parsed.kind === "invalid" && parsed.message).toMatch(message);
  });

  it("writes a command back as a person types it", () => {
    expect(commandText({ name: "backup", type: "incr" })).toBe("/backup incr");
    expect(commandText({ name: "status" })).toBe("/backup status");
    expect(commandText({ name: "mark", restorePoint: "m1" })).toBe("/backup mark m1");
    expect(commandText({ name: "pitr", time: "2026-11-24T14:30:00Z" })).toBe(
      "/restore pitr 2026-11-24T14:30:00Z",
    );
  });
});
