import { describe, expect, it } from "vitest";
import { parsePointInTime } from "../../src/core/time.ts";

describe("parsePointInTime", () => {
  it.each([
    ["2026-11-24T20:15:33Z", "2026-11-24 20:15:33.000000+00"],
    ["2026-11-24 20:15:33+00", "2026-11-24 20:15:33.000000+00"],
    ["2026-11-24 20:15:33.540153+00", "2026-11-24 20:15:33.540153+00"],
    ["2026-11-24T21:15:33.25+01:00", "2026-11-24 20:15:33.250000+00"],
    ["2026-11-24 15:15:33-0500", "2026-11-24 20:15:33.000000+00"],
    ["2026-11-24 20:15:33 UTC", "2026-11-24 20:15:33.000000+00"],
    ["2026-11-24 21:15:33 Europe/Berlin", "2026-11-24 20:15:33.000000+00"],
    ["2026-07-01 22:15:33 Europe/Berlin", "2026-07-01 20:15:33.000000+00"],
    ["2026-01-01 05:45:00+05:45", "2026-01-01 00:00:00.000000+00"],
  ])("reads %s as %s", (input, target) => {
    expect(parsePointInTime(input).target).toBe(target);
  });

  it("keeps microseconds in the target and milliseconds in the epoch", () => {
    const point = parsePointInTime("2026-11-24T20:15:33.123456Z");
    expect(point.epochMs).toBe(Date.parse("2026-11-24T20:15:33.123Z"));
    expect(point.target).toBe("2026-11-24 20:15:33.123456+00");
  });

  it("refuses a time without a zone unless the policy assumes UTC", () => {
    expect(() => parsePointInTime("2026-11-24 20:15:33")).toThrow(/no zone.*add one/);
    expect(parsePointInTime("2026-11-24 20:15:33", { assumeUtc: true }).target).toBe(
      "2026-11-24 20:15:33.000000+00",
    );
  });

  it("refuses a local time the clocks skipped, and one they showed twice", () => {
    expect(() => parsePointInTime("2026-03-29 02:30:00 Europe/Berlin")).toThrow(
      /did not happen.*skipped/,
    );
    expect(() => parsePointInTime("2026-10-25 02:30:00 Europe/Berlin")).toThrow(
      /happened twice.*2026-10-25T00:30:00.000Z or 2026-10-25T01:30:00.000Z/,
    );
  });

  it.each([
    ["yesterday", /write it as/],
    ["2026-11-24 20:15+00", /write it as/],
    ["2026-02-30 10:00:00Z", /no such date/],
    ["2026-11-24 24:00:00Z", /no such date/],
    ["2026-11-24 20:15:60Z", /no such date/],
    ["2026-11-24 20:15:33+15:00", /not one any zone has/],
    // Minutes past 59 are no offset: +05:99 is not five hours and 99 minutes.
    ["2026-11-24 20:15:33+05:99", /the offset \+05:99 is not one any zone has/],
    ["2026-11-24 20:15:33-0360", /the offset -0360 is not one any zone has/],
    ["2026-11-24 20:15:33 Mars/Olympus", /not a time zone name/],
    ["2026-11-24 20:15:33+00; rm -rf /", /write it as/],
    ["2026-11-24 20:15:33+00'", /write it as/],
    ["2026-11-24 20:15:33.1234567Z", /write it as/],
  ])("refuses %s", (input, error) => {
    expect(() => parsePointInTime(input)).toThrow(error);
  });
});
