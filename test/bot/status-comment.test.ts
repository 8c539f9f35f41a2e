// A step's time in the status comment is the time of its work, not of posting the
// comment: GitHub throttles comment writes to about one a second.
import { describe, expect, it } from "vitest";
import { StatusComment } from "../../src/bot/status-comment.ts";

/** An Octokit whose every request takes `ms`, as a throttled comment write does. */
function slowOctokit(ms: number) {
  return {
    request: async () => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { data: { id: 1 } };
    },
  } as never;
}

describe("a step's time", () => {
  it("leaves out the comment writes before and after the work", async () => {
    const comment = new StatusComment({
      octokit: slowOctokit(400),
      target: { owner: "acme", repo: "ops", issue: 7 },
      heading: "test",
    });
    await comment.step("stop applications: none listed", async () => {});
    await comment.step("wait a little", () => new Promise((resolve) => setTimeout(resolve, 250)));
    const rows = comment.render().split("\n");
    expect(rows.find((row) => row.includes("none listed"))).toMatch(/\| 0\.0 s \|$/);
    const waited = Number(
      /\| ([\d.]+) s \|$/.exec(rows.find((row) => row.includes("wait a")) ?? "")?.[1],
    );
    expect(waited).toBeGreaterThanOrEqual(0.2);
    expect(waited).toBeLessThan(0.6); // with a write counted it would be 0.65 or more
  });
});
