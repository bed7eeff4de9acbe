// ISO 8601 timestamps for simulated readings, equal to Date#toISOString but about four times
// faster for a stream: a simulation stamps millions of readings within a few days, so the date
// part is formatted once per UTC day and the time of day by arithmetic.
const DAY_MS = 86_400_000;

let cachedDay = Number.NaN;
let cachedPrefix = "";

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** `new Date(epochMs).toISOString()`, for integer epoch ms within the Date range. */
export function isoTimestamp(epochMs: number): string {
  const day = Math.floor(epochMs / DAY_MS) * DAY_MS;
  if (day !== cachedDay) {
    const iso = new Date(day).toISOString();
    cachedPrefix = iso.slice(0, iso.indexOf("T") + 1);
    cachedDay = day;
  }
  let rest = epochMs - day;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  return `${cachedPrefix}${pad2(h)}:${pad2(m)}:${pad2(s)}.${pad3(rest - s * 1000)}Z`;
}
