// Event-time window aggregation with Spark Structured Streaming's semantics (shared design,
// "Window results"): avg/min/max/count per window and group, a watermark that closes windows,
// late readings dropped and counted, append and update output modes. Pure: event time is passed
// in with each reading, and nothing here reads a clock.
//
// Spark rules followed, and where they come from:
// - Window assignment, Spark's `window()` (TimeWindowResolution.buildTimeWindowRewrite in
//   org.apache.spark.sql.catalyst.analysis): lastStart = t - ((t - startTime) mod slide), with a
//   negative remainder moved up by one slide; the candidate windows are lastStart - i * slide,
//   [start, start + size), kept when start <= t < end. So windows are aligned to the epoch
//   (plus startTime, our `offsetMs`), also for times before 1970.
// - Watermark, DataFrame.withWatermark docs: "MAX(eventTime) seen ... minus a user specified
//   delayThreshold", and it never moves back (WatermarkTracker only assigns a larger value).
// - Late data, WatermarkSupport.watermarkExpression: a row of a window aggregation is older than
//   the watermark when `window.end <= watermark`; StateStoreSaveExec drops such input rows
//   (applyRemovingRowsOlderThanWatermark, counted in numRowsDroppedByWatermark) in append and
//   update mode, and evicts state rows by the same predicate. `window()` has already expanded a
//   reading into one row per sliding window, so a reading is dropped from its closed windows
//   only and still counts in the open ones.
// - Timing: Spark checks a micro-batch's rows against the watermark computed at the end of the
//   previous batch (eventTimeWatermarkForLateEvents). We have no batches: each reading is checked
//   against the watermark from before it, and the watermark then moves with that reading. This is
//   Spark with one reading per micro-batch.
import { z } from "zod";
import { describeZodError } from "./issues.js";
import { fromJsonNumber, type JsonNumber, jsonNumber, toJsonNumber } from "./json-number.js";
import type { Reading } from "./reading.js";
import { toIso } from "./time.js";
import { WindowAggregate, type WindowStats } from "./window-aggregate.js";
import { type GroupColumn, type WindowConfig, type WindowOptions, windowConfig } from "./window-options.js";

/** The fields of a reading the engine uses (a whole `Reading` fits). */
export type WindowInput = Pick<Reading, "room" | "sensor_type" | "device_id" | "value">;

/**
 * One window of one group, with the original Spark job's columns. A grouping column is present
 * exactly when the engine groups by it (as in Spark, where only grouping columns are output).
 */
export interface WindowResult extends WindowStats {
  window_start: string;
  window_end: string;
  room?: string;
  sensor_type?: string;
  device_id?: string;
}

export type AddOutcome = "accepted" | "late" | "filtered";

export interface AddResult {
  /** `late`: every window of the reading was already closed; `filtered`: sensor type not selected. */
  readonly outcome: AddOutcome;
  /** Append mode: windows made final by this reading's watermark advance, in output order. */
  readonly closed: readonly WindowResult[];
}

export interface WindowCounters {
  /** Readings aggregated into at least one window. */
  accepted: number;
  /** Readings dropped because all their windows were closed. */
  late: number;
  /** Accepted readings (sliding windows only) that were dropped from some closed windows. */
  partiallyLate: number;
  /** Readings of sensor types not selected. */
  filtered: number;
  /** Open (window, group) aggregates held in state now. */
  openWindows: number;
  /** Window results returned so far (append: final windows; update: updates). */
  emitted: number;
}

/**
 * An aggregate's fields as plain JSON, for state snapshots (core/window-state.ts). A field added
 * to the Accumulator is added here and in its toJSON/fromJSON, nowhere else: snapshots saved
 * with other fields are then refused (the state's `aggregate` field list differs).
 */
const aggregateSchema = z.strictObject({
  count: z.number().int().positive(),
  sum: jsonNumber,
  compensation: jsonNumber,
  min: jsonNumber,
  max: jsonNumber,
  // Welford's running mean and sum of squared deviations (core/window-aggregate.ts)
  mean: jsonNumber,
  m2: jsonNumber,
});
export type AggregateJSON = z.input<typeof aggregateSchema>;
/** Names of the aggregate's fields, recorded in every snapshot. */
export const AGGREGATE_FIELDS: readonly string[] = Object.keys(aggregateSchema.shape);

/** Running aggregate of one (window, group): the statistics live in WindowAggregate. */
class Accumulator extends WindowAggregate {
  /** Changed since the last `takeUpdates()` (update mode only). */
  dirty = false;

  constructor(
    readonly start: number,
    readonly keys: readonly string[],
  ) {
    super();
  }

  toJSON(): AggregateJSON {
    return {
      count: this.count,
      sum: toJsonNumber(this.sum),
      compensation: toJsonNumber(this.compensation),
      min: toJsonNumber(this.min),
      max: toJsonNumber(this.max),
      mean: toJsonNumber(this.mean),
      m2: toJsonNumber(this.m2),
    };
  }

  /** An accumulator holding what `toJSON` wrote; throws a StateShapeError naming a bad field. */
  static fromJSON(start: number, keys: readonly string[], json: unknown, where: string): Accumulator {
    const r = aggregateSchema.safeParse(json);
    if (!r.success) throw new StateShapeError(describeZodError(r.error, { prefix: where, whole: where }));
    const acc = new Accumulator(start, keys);
    acc.count = r.data.count;
    acc.sum = r.data.sum;
    acc.compensation = r.data.compensation;
    acc.min = r.data.min;
    acc.max = r.data.max;
    acc.mean = r.data.mean;
    acc.m2 = r.data.m2;
    return acc;
  }
}

/** A snapshot whose content does not fit the engine (see core/window-state.ts). */
export class StateShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateShapeError";
  }
}

/** One (window, group) aggregate in a snapshot. */
export interface AggregateEntry {
  start: number;
  keys: string[];
  aggregate: AggregateJSON;
  /** Update mode: changed since the last `takeUpdates()`. */
  dirty?: boolean;
}

/** Everything a WindowEngine holds, as plain JSON values (validated by core/window-state.ts). */
export interface WindowEngineBody {
  watermark: JsonNumber;
  maxEventTime: JsonNumber;
  counters: Omit<WindowCounters, "openWindows">;
  /** Open (window, group) aggregates, by window start then keys. */
  open: AggregateEntry[];
  /** Update mode: aggregates of windows already closed whose last changes are not taken yet. */
  closedPending: AggregateEntry[];
}

/** Group index: one map level per grouping column; the last level holds accumulators. */
type GroupNode = Map<string, GroupNode | Accumulator>;

interface OpenWindow {
  start: number;
  groups: GroupNode;
  /** Every accumulator of this window, for closing without walking the maps. */
  all: Accumulator[];
}

/** Largest magnitude of a Date's time value (ECMA-262 §21.4.1.22). */
const MAX_TIME = 8.64e15;

const NONE: readonly WindowResult[] = Object.freeze([]);
// Shared, frozen results for the common cases: the hot path allocates nothing per reading.
const ACCEPTED: AddResult = Object.freeze({ outcome: "accepted", closed: NONE });
const LATE: AddResult = Object.freeze({ outcome: "late", closed: NONE });
const FILTERED: AddResult = Object.freeze({ outcome: "filtered", closed: NONE });

function compareAccumulators(a: Accumulator, b: Accumulator): number {
  if (a.start !== b.start) return a.start - b.start;
  const ka = a.keys;
  const kb = b.keys;
  for (let i = 0; i < ka.length; i++) {
    const x = ka[i] as string;
    const y = kb[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Spark-compatible windowed aggregation over readings passed in one at a time with their event
 * time (epoch ms). Append mode returns each window once, final, from `add` when the watermark
 * passes its end; update mode hands out changed windows from `takeUpdates()` on the caller's
 * trigger. `flush()` ends the input. Readings must already be validated (finite values).
 */
export class WindowEngine {
  readonly config: WindowConfig;
  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;
  private readonly delay: number;
  private readonly tumbling: boolean;
  private readonly append: boolean;
  private readonly columns: readonly GroupColumn[];
  private readonly sensorTypes: ReadonlySet<string> | undefined;

  private readonly windows = new Map<number, OpenWindow>();
  /** Starts of open windows, ascending, so closing visits only windows that close. */
  private starts: number[] = [];
  /** End of the earliest open window: the watermark to reach before anything closes. */
  private nextCloseAt = Number.POSITIVE_INFINITY;
  /** Last window used: consecutive readings mostly fall in the same tumbling window. */
  private recent: OpenWindow | undefined;
  private dirty: Accumulator[] = [];

  private wm = Number.NEGATIVE_INFINITY;
  private maxTime = Number.NEGATIVE_INFINITY;
  private nAccepted = 0;
  private nLate = 0;
  private nPartiallyLate = 0;
  private nFiltered = 0;
  private nOpen = 0;
  private nEmitted = 0;

  /** Throws a WindowOptionsError naming each invalid option. */
  constructor(options: WindowOptions) {
    const c = windowConfig(options);
    this.config = c;
    this.size = c.windowMs;
    this.slide = c.slideMs;
    this.offset = c.offsetMs;
    this.delay = c.watermarkDelayMs;
    this.tumbling = c.slideMs === c.windowMs;
    this.append = c.mode === "append";
    this.columns = c.groupBy;
    this.sensorTypes = c.sensorTypes;
  }

  /** Current watermark (epoch ms); -Infinity until the first accepted reading. */
  get watermark(): number {
    return this.wm;
  }

  /** Largest event time accepted so far; -Infinity before any. */
  get maxEventTime(): number {
    return this.maxTime;
  }

  get counters(): WindowCounters {
    return {
      accepted: this.nAccepted,
      late: this.nLate,
      partiallyLate: this.nPartiallyLate,
      filtered: this.nFiltered,
      openWindows: this.nOpen,
      emitted: this.nEmitted,
    };
  }

  /** Update mode: (window, group) aggregates changed since the last `takeUpdates()`. */
  get pendingUpdates(): number {
    return this.dirty.length;
  }

  /**
   * Adds one reading with its event time (epoch ms). It is checked against the watermark from
   * before it, then the watermark advances to this reading's time minus the delay. Filtered
   * readings do not move the watermark: the engine behaves like Spark's
   * `filter(sensor types).withWatermark(...).groupBy(window(...), ...)`.
   */
  add(reading: WindowInput, time: number): AddResult {
    if (this.sensorTypes !== undefined && !this.sensorTypes.has(reading.sensor_type)) {
      this.nFiltered++;
      return FILTERED;
    }
    const size = this.size;
    const wm = this.wm;
    // Its windows lie within (time - size, time + size], and must be ISO dates when emitted.
    // Written so that NaN fails too.
    if (!(time - size >= -MAX_TIME && time + size <= MAX_TIME)) {
      throw new RangeError(`event time ${time} is not a finite epoch-ms time within the Date range`);
    }
    let rem = (time - this.offset) % this.slide;
    if (rem < 0) rem += this.slide;
    const lastStart = time - rem;
    // [Spark WatermarkSupport] closed when window.end <= watermark; the latest window of the
    // reading ends last, so if it is closed they all are.
    if (lastStart + size <= wm) {
      this.nLate++;
      return LATE;
    }
    if (this.tumbling) {
      this.accumulate(this.windowAt(lastStart), reading);
    } else {
      for (let s = lastStart; s + size > time; s -= this.slide) {
        if (s + size <= wm) {
          this.nPartiallyLate++;
          break; // earlier windows end earlier still: all closed
        }
        this.accumulate(this.windowAt(s), reading);
      }
    }
    this.nAccepted++;
    if (time > this.maxTime) {
      this.maxTime = time;
      const next = time - this.delay;
      if (next > wm) {
        this.wm = next;
        if (next >= this.nextCloseAt) {
          const closed = this.closeUpTo(next);
          if (closed.length > 0) return { outcome: "accepted", closed };
        }
      }
    }
    return ACCEPTED;
  }

  /**
   * Raises the watermark to `watermark` (it never moves back) and closes every window ending at or
   * before it. Append mode returns those windows, final; update mode returns nothing (their
   * pending changes stay for `takeUpdates()`). Readings for them are late from now on.
   */
  closeWindowsBefore(watermark: number): WindowResult[] {
    if (watermark > this.wm) this.wm = watermark;
    if (this.wm < this.nextCloseAt) return [];
    return this.closeUpTo(this.wm);
  }

  /**
   * Update mode: every (window, group) changed since the last call, open or already closed, in
   * output order. Append mode: always empty (windows come out of `add` and `flush`).
   */
  takeUpdates(): WindowResult[] {
    if (this.dirty.length === 0) return [];
    const changed = this.dirty;
    this.dirty = [];
    for (const acc of changed) acc.dirty = false;
    changed.sort(compareAccumulators);
    return this.results(changed);
  }

  /**
   * End of input: closes every open window. Append mode returns them all; update mode returns
   * the windows changed since the last `takeUpdates()`. The watermark moves to the end of the
   * last window, so a reading for a flushed window is late rather than reopening it.
   */
  flush(): WindowResult[] {
    const last = this.starts[this.starts.length - 1];
    if (last !== undefined) {
      const lastEnd = last + this.size;
      if (lastEnd > this.wm) this.wm = lastEnd;
      const closed = this.closeUpTo(lastEnd);
      if (this.append) return closed;
    }
    return this.takeUpdates();
  }

  private windowAt(start: number): OpenWindow {
    const recent = this.recent;
    if (recent !== undefined && recent.start === start) return recent;
    const w = this.windows.get(start) ?? this.openWindow(start);
    this.recent = w;
    return w;
  }

  private openWindow(start: number): OpenWindow {
    const w: OpenWindow = { start, groups: new Map(), all: [] };
    this.windows.set(start, w);
    const starts = this.starts;
    // Windows usually open in time order: append, else insert in place (rare, and the list is
    // only as long as the windows the watermark delay keeps open).
    let i = starts.length;
    while (i > 0 && (starts[i - 1] as number) > start) i--;
    starts.splice(i, 0, start);
    if (i === 0) this.nextCloseAt = start + this.size;
    return w;
  }

  private accumulate(w: OpenWindow, reading: WindowInput): void {
    const cols = this.columns;
    const last = cols.length - 1;
    let node = w.groups;
    for (let i = 0; i < last; i++) {
      const key = reading[cols[i] as GroupColumn];
      let child = node.get(key) as GroupNode | undefined;
      if (child === undefined) {
        child = new Map();
        node.set(key, child);
      }
      node = child;
    }
    // With no grouping columns the single accumulator sits under "".
    const key = last >= 0 ? reading[cols[last] as GroupColumn] : "";
    let acc = node.get(key) as Accumulator | undefined;
    if (acc === undefined) {
      acc = new Accumulator(
        w.start,
        cols.map((c) => reading[c]),
      );
      node.set(key, acc);
      w.all.push(acc);
      this.nOpen++;
    }
    acc.add(reading.value);
    if (!this.append && !acc.dirty) {
      acc.dirty = true;
      this.dirty.push(acc);
    }
  }

  /** Removes windows ending at or before `watermark`; append mode returns them as results. */
  private closeUpTo(watermark: number): WindowResult[] {
    const size = this.size;
    const starts = this.starts;
    let n = 0;
    while (n < starts.length && (starts[n] as number) + size <= watermark) n++;
    if (n === 0) return [];
    const closing = starts.splice(0, n);
    const first = starts[0];
    this.nextCloseAt = first === undefined ? Number.POSITIVE_INFINITY : first + size;
    const finals: Accumulator[] = [];
    for (const start of closing) {
      const w = this.windows.get(start) as OpenWindow;
      this.windows.delete(start);
      if (this.recent === w) this.recent = undefined;
      this.nOpen -= w.all.length;
      if (this.append) {
        w.all.sort(compareAccumulators);
        for (const acc of w.all) finals.push(acc);
      }
    }
    return this.results(finals);
  }

  private results(accs: readonly Accumulator[]): WindowResult[] {
    const out: WindowResult[] = new Array(accs.length);
    const cols = this.columns;
    let isoStart = "";
    let isoEnd = "";
    let isoFor = Number.NaN;
    for (let i = 0; i < accs.length; i++) {
      const a = accs[i] as Accumulator;
      if (a.start !== isoFor) {
        isoFor = a.start;
        isoStart = toIso(a.start);
        isoEnd = toIso(a.start + this.size);
      }
      const groups: Partial<Record<GroupColumn, string>> = {};
      for (let c = 0; c < cols.length; c++) groups[cols[c] as GroupColumn] = a.keys[c];
      out[i] = {
        window_start: isoStart,
        window_end: isoEnd,
        ...groups,
        avg_value: a.average,
        min_value: a.min,
        max_value: a.max,
        count: a.count,
        sum_value: a.total,
        stddev_value: a.stddev,
      };
    }
    this.nEmitted += out.length;
    return out;
  }

  // --- State snapshots (versioned and validated in core/window-state.ts) ---

  /** Everything this engine holds, as plain JSON values. */
  exportBody(): WindowEngineBody {
    const entry = (a: Accumulator): AggregateEntry => {
      const e: AggregateEntry = { start: a.start, keys: [...a.keys], aggregate: a.toJSON() };
      if (a.dirty) e.dirty = true;
      return e;
    };
    const open: AggregateEntry[] = [];
    for (const start of this.starts) {
      const w = this.windows.get(start) as OpenWindow;
      for (const a of [...w.all].sort(compareAccumulators)) open.push(entry(a));
    }
    // A closed window never reopens (its readings are late), so a start not in `windows` is closed.
    const closedPending = this.dirty
      .filter((a) => !this.windows.has(a.start))
      .sort(compareAccumulators)
      .map(entry);
    const { openWindows: _, ...counters } = this.counters;
    return {
      watermark: toJsonNumber(this.wm),
      maxEventTime: toJsonNumber(this.maxTime),
      counters,
      open,
      closedPending,
    };
  }

  /**
   * Replaces this fresh engine's state with `body` (from `exportBody` of an engine with the same
   * configuration). Throws a StateShapeError naming the first entry that does not fit.
   */
  importBody(body: WindowEngineBody): void {
    if (this.windows.size > 0 || this.dirty.length > 0 || this.nAccepted + this.nFiltered > 0) {
      throw new Error("importBody: the engine is not fresh");
    }
    const cols = this.columns;
    const grid = (start: number, where: string) => {
      let rem = (start - this.offset) % this.slide;
      if (rem < 0) rem += this.slide;
      if (rem !== 0 || !Number.isSafeInteger(start)) {
        throw new StateShapeError(`${where}.start: ${start} is not a window start of this configuration`);
      }
      // Its window must be an ISO date when emitted, as for a window a reading opens.
      if (!(start >= -MAX_TIME && start + this.size <= MAX_TIME)) {
        throw new StateShapeError(`${where}.start: ${start} is outside the Date range`);
      }
    };
    const restore = (e: AggregateEntry, where: string): Accumulator => {
      if (e.keys.length !== cols.length) {
        throw new StateShapeError(`${where}.keys: ${e.keys.length} keys for ${cols.length} grouping columns`);
      }
      grid(e.start, where);
      const acc = Accumulator.fromJSON(e.start, e.keys, e.aggregate, `${where}.aggregate`);
      if (e.dirty === true && !this.append) {
        acc.dirty = true;
        this.dirty.push(acc);
      }
      return acc;
    };
    const wm = fromJsonNumber(body.watermark);
    body.open.forEach((e, i) => {
      const where = `open.${i}`;
      const acc = restore(e, where);
      if (e.start + this.size <= wm) {
        throw new StateShapeError(
          `${where}: window ending ${e.start + this.size} is open behind the watermark ${wm}`,
        );
      }
      const w = this.windows.get(e.start) ?? this.openWindow(e.start);
      let node = w.groups;
      for (let c = 0; c < cols.length - 1; c++) {
        const key = e.keys[c] as string;
        let child = node.get(key) as GroupNode | undefined;
        if (child === undefined) {
          child = new Map();
          node.set(key, child);
        }
        node = child;
      }
      const last = cols.length > 0 ? (e.keys[cols.length - 1] as string) : "";
      if (node.has(last)) throw new StateShapeError(`${where}: the same window and group twice`);
      node.set(last, acc);
      w.all.push(acc);
      this.nOpen++;
    });
    body.closedPending.forEach((e, i) => {
      restore({ ...e, dirty: true }, `closedPending.${i}`);
    });
    this.wm = wm;
    this.maxTime = fromJsonNumber(body.maxEventTime);
    const c = body.counters;
    this.nAccepted = c.accepted;
    this.nLate = c.late;
    this.nPartiallyLate = c.partiallyLate;
    this.nFiltered = c.filtered;
    this.nEmitted = c.emitted;
  }
}
