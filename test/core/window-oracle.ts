// Brute-force reference for the window engine: Spark's window membership by enumeration, a
// one-reading-at-a-time watermark simulation, and a batch group-by. Deliberately naive and
// written from the rules, not from the engine's code.

export interface OracleReading {
  room: string;
  sensor_type: string;
  device_id: string;
  value: number;
  time: number;
}

export interface OracleOptions {
  windowMs: number;
  slideMs?: number;
  offsetMs?: number;
  watermarkDelayMs?: number;
  groupBy?: readonly ("room" | "sensor_type" | "device_id")[];
  sensorTypes?: readonly string[];
}

export interface OracleRow {
  start: number;
  end: number;
  keys: Record<string, string>;
  avg: number;
  min: number;
  max: number;
  count: number;
  sum: number;
  /** Sample standard deviation (n - 1), null below two values. */
  stddev: number | null;
}

export type Outcome = "accepted" | "late" | "filtered";

/** Starts s = k * slide + offset with s <= t < s + size, found by scanning k. */
export function windowStarts(t: number, size: number, slide: number, offset = 0): number[] {
  const out: number[] = [];
  const lowK = Math.floor((t - size - offset) / slide) - 1;
  const highK = Math.floor((t - offset) / slide) + 1;
  for (let k = lowK; k <= highK; k++) {
    const s = k * slide + offset;
    if (s <= t && t < s + size) out.push(s);
  }
  return out;
}

const COLUMN_ORDER = ["room", "sensor_type", "device_id"] as const;

/**
 * Replays readings in arrival order against a watermark checked before and advanced after each
 * reading; returns each reading's outcome, how many were dropped from some of their windows, and
 * the batch group-by over the (reading, window) pairs that were accepted.
 */
export function simulate(
  readings: readonly OracleReading[],
  o: OracleOptions,
): { outcomes: Outcome[]; partiallyLate: number; rows: OracleRow[] } {
  const size = o.windowMs;
  const slide = o.slideMs ?? size;
  const delay = o.watermarkDelayMs ?? 0;
  const cols = COLUMN_ORDER.filter((c) => (o.groupBy ?? ["room", "sensor_type"]).includes(c));
  const types = o.sensorTypes && o.sensorTypes.length > 0 ? new Set(o.sensorTypes) : undefined;
  let wm = Number.NEGATIVE_INFINITY;
  let maxT = Number.NEGATIVE_INFINITY;
  let partiallyLate = 0;
  const outcomes: Outcome[] = [];
  const groups = new Map<string, { start: number; keys: Record<string, string>; values: number[] }>();
  for (const r of readings) {
    if (types && !types.has(r.sensor_type)) {
      outcomes.push("filtered");
      continue;
    }
    const all = windowStarts(r.time, size, slide, o.offsetMs ?? 0);
    const open = all.filter((s) => s + size > wm);
    if (open.length === 0) {
      outcomes.push("late");
      continue;
    }
    if (open.length < all.length) partiallyLate++;
    outcomes.push("accepted");
    for (const s of open) {
      const keys: Record<string, string> = {};
      for (const c of cols) keys[c] = r[c];
      const id = JSON.stringify([s, ...cols.map((c) => r[c])]);
      let g = groups.get(id);
      if (!g) {
        g = { start: s, keys, values: [] };
        groups.set(id, g);
      }
      g.values.push(r.value);
    }
    maxT = Math.max(maxT, r.time);
    wm = Math.max(wm, maxT - delay);
  }
  const rows = [...groups.values()].map((g) => ({
    start: g.start,
    end: g.start + size,
    keys: g.keys,
    ...describeValues(g.values),
  }));
  rows.sort(compareRows);
  return { outcomes, partiallyLate, rows };
}

/** avg/min/max/count/sum/sample stddev of a list, the textbook two-pass way. */
export function describeValues(
  values: readonly number[],
): Pick<OracleRow, "avg" | "min" | "max" | "count" | "sum" | "stddev"> {
  const n = values.length;
  const sum = values.reduce((a, b) => a + b, 0);
  const avg = sum / n;
  let squares = 0;
  for (const v of values) squares += (v - avg) * (v - avg);
  return {
    avg,
    min: Math.min(...values),
    max: Math.max(...values),
    count: n,
    sum,
    stddev: n < 2 ? null : Math.sqrt(squares / (n - 1)),
  };
}

export function compareRows(a: OracleRow, b: OracleRow): number {
  if (a.start !== b.start) return a.start - b.start;
  for (const c of COLUMN_ORDER) {
    const x = a.keys[c] ?? "";
    const y = b.keys[c] ?? "";
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** A window result (engine or CLI output) in the oracle's shape. */
export function toOracleRow(r: {
  window_start: string;
  window_end: string;
  room?: string;
  sensor_type?: string;
  device_id?: string;
  avg_value: number;
  min_value: number;
  max_value: number;
  count: number;
  sum_value: number;
  stddev_value: number | null;
}): OracleRow {
  const keys: Record<string, string> = {};
  for (const c of COLUMN_ORDER) {
    const v = r[c];
    if (v !== undefined) keys[c] = v;
  }
  return {
    start: Date.parse(r.window_start),
    end: Date.parse(r.window_end),
    keys,
    avg: r.avg_value,
    min: r.min_value,
    max: r.max_value,
    count: r.count,
    sum: r.sum_value,
    stddev: r.stddev_value,
  };
}

/**
 * Differences between two row lists (sorted the same way), averages, sums and standard deviations
 * compared with a tolerance: summation order differs between engines, so the last bits may too.
 * Empty means equal.
 */
export function diffRows(actual: readonly OracleRow[], expected: readonly OracleRow[]): string[] {
  const problems: string[] = [];
  if (actual.length !== expected.length) problems.push(`${actual.length} rows, expected ${expected.length}`);
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n && problems.length < 5; i++) {
    const a = actual[i] as OracleRow;
    const e = expected[i] as OracleRow;
    const scale = Math.max(1, Math.abs(e.min), Math.abs(e.max));
    const same =
      a.start === e.start &&
      a.end === e.end &&
      JSON.stringify(a.keys) === JSON.stringify(e.keys) &&
      a.count === e.count &&
      a.min === e.min &&
      a.max === e.max &&
      Math.abs(a.avg - e.avg) <= 1e-9 * scale &&
      Math.abs(a.sum - e.sum) <= 1e-9 * scale * e.count &&
      (a.stddev === null || e.stddev === null
        ? a.stddev === e.stddev
        : Math.abs(a.stddev - e.stddev) <= 1e-9 * scale);
    if (!same) problems.push(`row ${i}: ${JSON.stringify(a)} != expected ${JSON.stringify(e)}`);
  }
  return problems;
}
