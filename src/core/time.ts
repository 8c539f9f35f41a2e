// Point-in-time targets, read strictly: a restore to the wrong moment is worse than none.
// Accepted: ISO-8601 (2026-11-24T20:15:33Z, 2026-11-24T21:15:33.25+01:00) or
// "YYYY-MM-DD HH:MM:SS[.ffffff]" followed by a zone: Z, UTC, +HH, +HH:MM, +HHMM or an IANA
// name (Europe/Berlin). Without a zone only when the caller's policy says to assume UTC.

export interface PointInTime {
  /** Milliseconds since the epoch (the fraction beyond milliseconds is in `target`). */
  epochMs: number;
  /** The same instant as pgBackRest's --target takes it, in UTC: 2026-11-24 20:15:33.250000+00 */
  target: string;
}

export interface TimeOptions {
  /** Read a time without a zone as UTC (the policy's assume_utc). */
  assumeUtc?: boolean;
}

const FORM =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?|\s[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)+))?$/;

const EXAMPLE = "2026-11-24 14:30:00+00 or 2026-11-24T14:30:00Z";

export class TimeError extends Error {
  constructor(input: string, why: string) {
    super(`cannot read "${input}" as a point in time: ${why}`);
    this.name = "TimeError";
  }
}

/** The zone's offset from UTC, in minutes, at an instant. */
function offsetAt(zone: string, epochMs: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return Math.round((local - Math.floor(epochMs / 1000) * 1000) / 60_000);
}

/** The UTC instants at which the zone's clocks showed this local time: none, one or two. */
function instantsOf(localAsUtcMs: number, zone: string): number[] {
  const offsets = new Set(
    [-1, 0, 1].map((days) => offsetAt(zone, localAsUtcMs + days * 86_400_000)),
  );
  const found = new Set<number>();
  for (const offset of offsets) {
    const candidate = localAsUtcMs - offset * 60_000;
    if (offsetAt(zone, candidate) === offset) found.add(candidate);
  }
  return [...found].sort((a, b) => a - b);
}

function isZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

export function parsePointInTime(input: string, options: TimeOptions = {}): PointInTime {
  const text = input.trim();
  const match = FORM.exec(text);
  if (!match)
    throw new TimeError(input, `write it as ${EXAMPLE} (a date, a time with seconds, a zone)`);
  const [, y, mo, d, h, mi, s, fraction = "", zoneText] = match;
  const fields = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [year, month, day, hour, minute, second] = fields;
  const localAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(localAsUtc);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    throw new TimeError(input, "there is no such date or time of day");

  const zone = zoneText?.trim();
  let utcSeconds: number;
  if (zone === undefined) {
    if (!options.assumeUtc)
      throw new TimeError(
        input,
        `it has no zone, and guessing one could restore to the wrong hour; add one, e.g. ${EXAMPLE}`,
      );
    utcSeconds = localAsUtc;
  } else if (zone === "Z" || zone === "UTC") {
    utcSeconds = localAsUtc;
  } else if (/^[+-]/.test(zone)) {
    const digits = zone.slice(1).replace(":", "");
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0");
    if (digits.length !== 2 && digits.length !== 4)
      throw new TimeError(input, `the offset ${zone} should be +HH, +HH:MM or +HHMM`);
    if (Number(digits.slice(2) || "0") > 59 || offset > 14 * 60)
      throw new TimeError(input, `the offset ${zone} is not one any zone has`);
    utcSeconds = localAsUtc - (zone.startsWith("-") ? -offset : offset) * 60_000;
  } else {
    if (!isZone(zone))
      throw new TimeError(input, `${zone} is not a time zone name (e.g. Europe/Berlin)`);
    const instants = instantsOf(localAsUtc, zone);
    if (instants.length === 0)
      throw new TimeError(
        input,
        `${h}:${mi}:${s} did not happen on ${y}-${mo}-${d} in ${zone} (the clocks skipped it); give the offset you mean`,
      );
    if (instants.length > 1)
      throw new TimeError(
        input,
        `${h}:${mi}:${s} happened twice on ${y}-${mo}-${d} in ${zone} (the clocks went back); give the offset you mean, e.g. ${new Date(
          instants[0] as number,
        ).toISOString()} or ${new Date(instants[1] as number).toISOString()}`,
      );
    utcSeconds = instants[0] as number;
  }
  const utc = new Date(utcSeconds);
  const micros = fraction.padEnd(6, "0");
  const target = `${utc.getUTCFullYear()}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())} ${pad(
    utc.getUTCHours(),
  )}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}.${micros}+00`;
  return { epochMs: utcSeconds + Number(micros.slice(0, 3)), target };
}

/**
 * UTC in ISO-8601 to the millisecond, as the recovery window, restore targets and their
 * refusals are written, so that two times side by side always compare at the same
 * precision: 2026-11-24T20:15:33.250Z.
 */
export function isoUtc(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** The whole second the instant falls in, for deadlines and when things happened: 2026-11-24T20:15:33Z. */
export function isoUtcSecond(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
