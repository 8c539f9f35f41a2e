// A step's time in the status comment is the time of its work, not of posting the
// comment: GitHub throttles comment writes to about one a second. Cluster text in a
// comment (an annotation, pgBackRest's or a pod's message, an error) pings no one and
// links no issue.
import { describe, expect, it } from "vitest";
import { failureText } from "../../src/bot/failure.ts";
import { StatusComment, text } from "../../src/bot/status-comment.ts";

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

describe("cluster text in a comment", () => {
  // GitHub notifies on an @mention and links (and cross-references) #123, GH-123 and URLs.
  const forged =
    "ping @octocat and @org/team, see #12, acme/ops#3, GH-7 and https://evil.example/x";
  const acted = [/@[a-z]/i, /#\d/, /GH-\d/, /https:\/\//];

  it("pings no one and links nothing, and reads the same once rendered", () => {
    const shown = text(forged);
    for (const pattern of acted) expect(shown).not.toMatch(pattern);
    const rendered = shown.replaceAll("\u200d", "").replaceAll("\\", "");
    expect(rendered).toBe(forged);
  });

  it("in a failure, neither pings, links nor renders HTML or Markdown", () => {
    // An error of the API's or the cluster's, not the product's own words (a UserError).
    const shown = failureText(new Error(`Job \`x\` failed: ${forged} <img src=x>`));
    for (const pattern of acted) expect(shown).not.toMatch(pattern);
    expect(shown).toContain("Job \\`x\\` failed");
    expect(shown).not.toContain("<img");
  });

  it("in a step's name, neither pings nor links", async () => {
    const comment = new StatusComment({
      octokit: slowOctokit(0),
      target: { owner: "acme", repo: "ops", issue: 7 },
      heading: "test",
    });
    await comment.step(`stop ${forged}`, async () => {});
    const row =
      comment
        .render()
        .split("\n")
        .find((r) => r.includes("stop ")) ?? "";
    for (const pattern of acted) expect(row).not.toMatch(pattern);
  });
});
