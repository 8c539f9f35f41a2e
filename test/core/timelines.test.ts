// Which timeline a target is on, after earlier restores: cases worked out from how
// PostgreSQL forks timelines (a history file's reason, and when the timeline began).
import { describe, expect, it } from "vitest";
import { onTimelinePath, type TimelineHistory, timelineFor } from "../../src/core/timelines.ts";

const at = (time: string) => Date.parse(`2026-11-24T${time}Z`);

// Timeline 2 left timeline 1 when a restore to 10:00 stopped before a commit of 10:00:05;
// it began at 11:00. Timeline 1's commits from 10:00:05 to 11:00 are on timeline 1 only.
const once: TimelineHistory = {
  current: 2,
  forks: [
    {
      timeline: 2,
      parent: 1,
      reason: "before 2026-11-24 10:00:05.123456+00",
      beganMs: at("11:00:00"),
    },
  ],
};

// Then timeline 3 left timeline 2 at 11:30 (a stop after a commit of 11:30), beginning at 12:00.
const twice: TimelineHistory = {
  current: 3,
  forks: [
    { timeline: 3, parent: 2, reason: "after 2026-11-24 11:30:00+00", beganMs: at("12:00:00") },
    ...once.forks,
  ],
};

describe("timelineFor", () => {
  it.each([
    ["no restore ever happened", { current: 1, forks: [] }, "09:00:00", 1],
    ["before the fork: shared, so the current timeline", once, "09:59:00", 2],
    ["after the fork, before timeline 2 began: left behind on timeline 1", once, "10:30:00", 1],
    ["at the commit the restore stopped before: timeline 1", once, "10:00:05.123", 1],
    ["after timeline 2 began: timeline 2", once, "11:15:00", 2],
    ["twice: after the second began", twice, "12:30:00", 3],
    ["twice: left behind by the second restore", twice, "11:45:00", 2],
    ["twice: the commit the second stopped after is shared", twice, "11:30:00", 3],
    ["twice: shared with 2, but left behind on 1 by the first restore", twice, "10:30:00", 1],
    ["twice: before every fork", twice, "09:00:00", 3],
    [
      "an offset in the reason",
      {
        current: 2,
        forks: [
          {
            timeline: 2,
            parent: 1,
            reason: "before 2026-11-24 11:00:05+01",
            beganMs: at("11:00:00"),
          },
        ],
      },
      "10:30:00",
      1,
    ],
  ] as const)("%s", (_, history, time, expected) => {
    expect(timelineFor(at(time), history as TimelineHistory)).toEqual({ timeline: expected });
  });

  it("follows a timeline that recovered to the end of the WAL, which left nothing behind", () => {
    const history = {
      current: 2,
      forks: [
        { timeline: 2, parent: 1, reason: "no recovery target specified", beganMs: at("11:00:00") },
      ],
    };
    expect(timelineFor(at("10:30:00"), history)).toEqual({ timeline: 2 });
  });

  it("refuses a target it cannot place: the timeline's start is unknown", () => {
    const history = {
      current: 2,
      forks: [{ timeline: 2, parent: 1, reason: "before 2026-11-24 10:00:05+00" }],
    };
    expect(timelineFor(at("10:30:00"), history)).toEqual({
      refusal: expect.stringMatching(
        /^timeline 2 left timeline 1 \(before 2026-11-24 10:00:05\+00\) at a time PostgreSQL no longer records, and the target may lie on the part of timeline 1 that restore left behind/,
      ),
    });
    // Before the fork it is the same everywhere: no need to know when timeline 2 began.
    expect(timelineFor(at("09:00:00"), history)).toEqual({ timeline: 2 });
  });

  it("refuses a target behind a fork whose reason names no time (a transaction id)", () => {
    const history = {
      current: 2,
      forks: [
        { timeline: 2, parent: 1, reason: "before transaction 1234", beganMs: at("11:00:00") },
      ],
    };
    expect(timelineFor(at("10:30:00"), history)).toHaveProperty("refusal");
  });
});

describe("a timeline whose history file is gone", () => {
  it("refuses every target it cannot place, saying so", () => {
    const unknown = { current: 2, forks: [{ timeline: 2, parent: 1, reason: "" }] };
    expect(timelineFor(Date.parse("2026-11-24T10:00:00Z"), unknown)).toEqual({
      refusal: expect.stringContaining(
        "timeline 2 left timeline 1 (no reason recorded) at a time PostgreSQL no longer records",
      ),
    });
  });
});

describe("onTimelinePath", () => {
  // Timeline 3 left timeline 1 at 0/5000A28 (a restore that followed the old timeline);
  // timeline 2, which an earlier restore made, is not on its history.
  const history: TimelineHistory = {
    current: 3,
    forks: [
      { timeline: 3, parent: 1, reason: "before 2026-11-24 14:30:00+00", switchLsn: "0/5000A28" },
    ],
  };

  it("takes a backup of the timeline itself, or of an ancestor before the fork", () => {
    expect(onTimelinePath("000000030000000000000007", 3, history)).toBe(true);
    expect(onTimelinePath("000000010000000000000003", 3, history)).toBe(true);
    expect(onTimelinePath("000000010000000000000005", 3, history)).toBe(true);
  });

  it("refuses a backup of an abandoned branch, or of the ancestor after the fork", () => {
    expect(onTimelinePath("000000020000000000000004", 3, history)).toBe(false);
    expect(onTimelinePath("000000010000000000000006", 3, history)).toBe(false);
  });

  it("follows an older timeline as itself, and takes what it cannot tell", () => {
    expect(onTimelinePath("000000010000000000000009", 1, history)).toBe(true);
    expect(onTimelinePath(null, 3, history)).toBe(true);
    expect(
      onTimelinePath("000000010000000000000009", 2, {
        current: 2,
        forks: [{ timeline: 2, parent: 1, reason: "" }],
      }),
    ).toBe(true);
  });
});
