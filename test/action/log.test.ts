// Text from the cluster (a pod's log, an event, an object's status) reaches the Actions log;
// none of it may act as a workflow command. The runner here reads the log as GitHub's does:
// a line whose text, leading spaces trimmed, starts with `::` is a command, so is `##[` anywhere
// in a line, and after `::stop-commands::TOKEN` nothing is one until `::TOKEN::`.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { actionLog } from "../../src/action/log.ts";
import { projectPath } from "../../src/core/paths.ts";

/** The commands a runner would carry out in `output`, stop and resume left out. */
function commandsIn(output: string): string[] {
  const carried: string[] = [];
  let stoppedUntil: string | undefined;
  for (const line of output.split(/\r\n|\r|\n/)) {
    const trimmed = line.replace(/^[\s\u0085]+/, "");
    const name = /^::([^\s:]+)/.exec(trimmed)?.[1] ?? /##\[([^\s\]]+)/.exec(line)?.[1] ?? undefined;
    if (name === undefined) continue;
    if (stoppedUntil !== undefined) {
      if (name.toLowerCase() === stoppedUntil.toLowerCase()) stoppedUntil = undefined;
      continue;
    }
    if (name === "stop-commands") stoppedUntil = /^::stop-commands::(\S+)/.exec(trimmed)?.[1];
    else carried.push(name);
  }
  return carried;
}

function printed(...lines: string[]): string {
  let output = "";
  const log = actionLog((line) => {
    output += `${line}\n`;
  });
  for (const line of lines) log(line);
  return output;
}

const HOSTILE = [
  "::set-output name=validation-status::passed",
  "    ::add-mask::postgres",
  "P00 INFO: done\n::error file=README.md::forged",
  "P00 INFO: done\r::warning::forged",
  "\u00a0\t::notice::forged",
  "a pod's log ##[set-output name=backup-label;]forged",
  "::stop-commands::guessed\n::error::after a guessed token",
  "::stop-commands::x\n::x::\n::error::after resuming",
];

describe("the Action's log", () => {
  it.each(HOSTILE)("carries out no command from %j, and shows its text", (text) => {
    const output = printed("▶ backup", text, "  ok in 1.0s");
    expect(commandsIn(output)).toEqual([]);
    expect(output).toContain(text);
  });

  it("the runner model sees a command where one is (it can fail)", () => {
    expect(commandsIn("  ::error::x\nfine\na ##[group]b\n")).toEqual(["error", "group"]);
  });

  it("leaves ordinary lines as they are, and the Action's own commands working after", () => {
    const output = printed("▶ backup", HOSTILE.join("\n"), "  ok in 1.0s");
    expect(output.startsWith("▶ backup\n")).toBe(true);
    expect(output.endsWith("  ok in 1.0s\n")).toBe(true);
    expect(commandsIn(`${output}::error::the Action's own\n`)).toEqual(["error"]);
  });

  it("is the log every line of the Action goes to", () => {
    const main = readFileSync(projectPath("src", "action", "main.ts"), "utf8");
    expect(main).toContain("const log = actionLog((line) => core.info(line));");
    expect(main).not.toMatch(/core\.info\((?!line\))/);
  });
});
