// Durations as users write them: "60s", "1m", "500ms", "1 minute", "10 seconds" (Spark's
// interval strings), or a bare number of seconds.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i;

/** Parses a duration to milliseconds; throws a RangeError that says what was wrong. */
export function parseDuration(text: string | number): number {
  if (typeof text === "number") {
    if (!Number.isFinite(text) || text < 0) throw new RangeError(`invalid duration ${text}: must be >= 0`);
    return Math.round(text * 1000);
  }
  const m = DURATION.exec(text);
  const unit = m?.[2]?.toLowerCase() ?? "";
  const factor = unit === "" ? 1000 : UNIT_MS[unit];
  if (!m || factor === undefined) {
    throw new RangeError(`invalid duration "${text}": use a number and a unit, e.g. 500ms, 30s, 1m, 2h`);
  }
  return Math.round(Number(m[1]) * factor);
}
