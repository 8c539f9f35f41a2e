// The job summary is drawn from the steps' typed results: a row per step, and the last
// status step's backups (one section per repository) and recovery window on a time line.
import { describe, expect, it } from "vitest";
import type { AnyStepResult } from "../../src/action/steps/step.ts";
import { renderSummary } from "../../src/action/summary.ts";

const at = (iso: string) => Date.parse(iso) / 1000;

const status: AnyStepResult = {
  name: "status",
  ok: true,
  detail: "2 backups",
  seconds: 1.25,
  data: {
    backups: [
      {
        label: "20261124-010000F",
        type: "full",
        repo: 1,
        start: at("2026-11-24T01:00:00Z"),
        stop: at("2026-11-24T01:00:30Z"),
        size: 5_000_000,
      },
      {
        label: "20261124-020000F",
        type: "full",
        repo: 2,
        start: at("2026-11-24T02:00:00Z"),
        stop: at("2026-11-24T02:05:00Z"),
        size: 5_000_000,
      },
    ],
    recoveryWindow: { start: "2026-11-24T01:00:31.000Z", end: "2026-11-24T01:00:31.000Z" },
    guarantees: [
      {
        repo: 1,
        says: "repo1: the last 7 days (repo1-retention-full-type=time)",
        days: 7,
        reachesBackDays: 0,
      },
    ],
  },
};

describe("the job summary", () => {
  it("draws the backups and the recovery window from the status step's data", () => {
    const summary = renderSummary([status]);
    expect(summary).toContain("| status | ✅ ok | 2 backups | 1.3s |");
    expect(summary).toContain(
      [
        "  section Backups repo1",
        // A bar is at least a minute wide.
        "  full 20261124-010000F :done, 2026-11-24T01:00:00, 2026-11-24T01:01:00",
        "  section Backups repo2",
        "  full 20261124-020000F :done, 2026-11-24T02:00:00, 2026-11-24T02:05:00",
        "  section Restorable",
        "  any point in time :active, 2026-11-24T01:00:31, 2026-11-24T01:01:31",
        // The guaranteed window ends where the actual one does: one can see it is not all there yet.
        "  guaranteed repo1 (7 days) :crit, 2026-11-17T01:01:31, 2026-11-24T01:01:31",
        "```",
        "",
        "Guaranteed window: repo1: the last 7 days (repo1-retention-full-type=time); the actual one reaches back 0 days.",
      ].join("\n"),
    );
  });

  it("has no time line without a status step that found backups", () => {
    const failed: AnyStepResult = {
      name: "status",
      ok: false,
      detail: "no valid backup",
      seconds: 1,
    };
    expect(renderSummary([failed])).not.toContain("mermaid");
  });

  it("shows cluster text as text: no HTML, link, image or markup of its own, no way out of the time line", () => {
    const hostile: AnyStepResult = {
      name: "backup",
      ok: false,
      detail:
        'job/x failed: <img src=x onerror="alert(1)"> [click](https://evil.example) ![i](https://evil.example/i.png) **now** `code` <!-- hide',
      seconds: 1,
    };
    const forged: AnyStepResult = {
      ...status,
      data: {
        ...(status as { data: { backups: object[]; recoveryWindow: object } }).data,
        backups: [
          {
            label: "20261124-010000F\n```\n<img src=x>\n```mermaid",
            type: "full :done, click x href javascript:alert(1)",
            repo: 1,
            start: at("2026-11-24T01:00:00Z"),
            stop: at("2026-11-24T01:00:30Z"),
            size: 1,
          },
        ],
      },
    } as AnyStepResult;
    const summary = renderSummary([hostile, forged]);
    // Every bracket, star and backtick escaped: none starts a link, emphasis or code.
    const table = summary.slice(0, summary.indexOf("```mermaid"));
    expect(table).not.toMatch(/<img|<!--|(?<!\\)[[\]*`]/);
    expect(summary).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(summary).toContain("\\[click\\](https://evil.example)");
    const mermaid = summary.slice(summary.indexOf("```mermaid"));
    expect(mermaid.match(/```/g)).toHaveLength(2);
    expect(mermaid).not.toMatch(/click|javascript/);
    expect(mermaid).toMatch(/^ {2}backup 20261124-010000F_+img_src_x_+mermaid :done, /m);
  });

  it("says the credential's warning and the report to the ops issue under the table, as text", () => {
    const text = renderSummary(
      [{ name: "status", ok: true, detail: "2 backups", seconds: 1 }],
      [
        "⚠️ the kubeconfig's token of user ci expires at 2026-12-10T00:00:00.000Z (in 3 days)",
        "status passed: commented on the ops issue #3 and closed it (https://github.com/org/ops/issues/3)",
      ],
    );
    expect(text).toContain(
      "| status | ✅ ok | 2 backups | 1.0s |\n\n> ⚠️ the kubeconfig's token of user ci expires at 2026-12-10T00:00:00.000Z (in 3 days)\n\n> status passed: commented on the ops issue #3",
    );
  });

  it("shows a drill's phases, each with its time, its RTO and RPO, what it left, and where its figures went", () => {
    const drill: AnyStepResult = {
      name: "drill",
      ok: false,
      detail: 'failed in phase "start PostgreSQL"',
      seconds: 30,
      data: {
        id: "d1",
        namespace: "ai-governance-drill",
        point: "the newest point",
        status: "failed",
        failedPhase: "start PostgreSQL",
        reason: "the drill's time (30s) ran out",
        startedAt: "2026-11-24T01:00:00Z",
        rtoSeconds: null,
        rpoSeconds: 12,
        rpoUnknown: null,
        phases: [
          { name: "restore from the off-site copy and check", seconds: 21.44, ok: true },
          { name: "start PostgreSQL", seconds: 8.5, ok: false },
          { name: "remove everything the drill made", seconds: 0.9, ok: true },
        ],
        removed: ["StatefulSet/postgres", "PersistentVolumeClaim/postgres-data"],
        leftBehind: [],
        metrics: {
          pushed: false,
          detail:
            "no metrics pushed: the overlay has no monitoring component (Service pgbackrest-metrics with the drill's port 9093), so there is no Pushgateway of the product's to push to",
        },
        reportPath: "/tmp/r.json",
      },
    };
    const summary = renderSummary([drill]);
    expect(summary).toContain("### Drill in ai-governance-drill: failed");
    expect(summary).toContain("| restore from the off-site copy and check | ✅ | 21.4s |");
    expect(summary).toContain("| start PostgreSQL | ❌ | 8.5s |");
    expect(summary).toContain(
      "RTO not reached, RPO 12s; removed everything it made (2 objects); no metrics pushed: the overlay has no monitoring component",
    );
  });
});
