// Light-without-presence detection (shared design, "Anomalies"): per room, the latest `light`
// and `presence` values in arrival order; the condition is light == 1 and presence == 0 (the
// original Spark job's rule). Pure: the event time of each reading is the only clock.
//
// Decisions this module fixes (the design leaves them open):
// - Clock: the maximum event time seen, across all rooms; it never goes back. Each reading first
//   advances it (which can fire due grace periods, reminders and presence expiries in any room),
//   then is applied. `advanceTo(time)` advances it without a reading (Node-RED's wall-clock timer).
// - Grace: the condition must hold continuously for `graceMs` of event time. `since` is the event
//   time of the reading that made it true; `detected_at` is always `since + graceMs` (with grace 0
//   the reading's own time). A condition that ends before its grace expires emits nothing; one
//   whose grace expired by the clock is started, even if the reading that ends it arrives next.
// - Stale presence: a presence reading counts while `clock - its event time <= presenceMaxAgeMs`
//   (it is "older than" the limit only past it). Unknown presence never raises an anomaly, and
//   presence going stale during an anomaly ends it, with `ended_at` = the presence reading's time
//   + presenceMaxAgeMs (its last valid instant): we no longer know that the room is empty.
// - Out of order: `since` and a reading's `ended_at` are that reading's own event time, so a late
//   reading can report an earlier time than the clock; an `ended_at` before `since` is clamped to
//   `since` (duration 0), because an anomaly cannot end before it began.
// - `duration_s` = (ended_at - since) / 1000, unrounded: event times are whole milliseconds, so
//   it carries at most three decimals (312.5, 0.001).
// - Order: events from one clock advance come in event-time order (a presence expiry sorts just
//   after its last valid instant; equal times in rooms' first-seen order), then the events of
//   applying the reading itself.
// - End of input: open anomalies stay open (nothing has ended them); `openAnomalies()` lists them.
// - Reminders (`reminderMs`): `anomaly_reminder` at detected_at + k * reminderMs while the anomaly
//   lasts, every one of them, so the output does not depend on how often the clock is advanced.
//   A long jump in event time emits one per interval skipped.
// - Availability: an `availability` reading with value 0 (the device went offline) makes presence
//   unknown when the room's latest presence came from that device, and presence readings from it count
//   as unknown until it is back (value 1): an offline sensor's last word says nothing about the room now.
import { z } from "zod";
import { DeadlineHeap, isDue, type Scheduled } from "./deadline-heap.js";
import { fieldIssues, formatIssues } from "./issues.js";
import { type JsonNumber, toJsonNumber } from "./json-number.js";
import type { ReadingIssue, TimedReading } from "./reading.js";
import { describeType, toIso } from "./time.js";

export interface AnomalyStart {
  event: "anomaly_start";
  room: string;
  since: string;
  detected_at: string;
  light_device_id: string;
  presence_device_id: string;
}

export interface AnomalyReminder {
  event: "anomaly_reminder";
  room: string;
  since: string;
  at: string;
  duration_s: number;
  light_device_id: string;
  presence_device_id: string;
}

export interface AnomalyEnd {
  event: "anomaly_end";
  room: string;
  since: string;
  ended_at: string;
  duration_s: number;
}

export type AnomalyEvent = AnomalyStart | AnomalyReminder | AnomalyEnd;

/** An anomaly that has started and not ended (for a node's status or a dashboard table). */
export interface OpenAnomaly {
  room: string;
  since: string;
  detected_at: string;
  light_device_id: string;
  presence_device_id: string;
}

export interface LightPresenceOptions {
  /** How long (event time, ms) the condition must hold before anomaly_start. Default 0. */
  graceMs?: number;
  /** Presence readings older than this (ms) are unknown presence. Default: never stale. */
  presenceMaxAgeMs?: number | null;
  /** Emit anomaly_reminder every this many ms while an anomaly lasts. Default: none. */
  reminderMs?: number | null;
}

export interface ResolvedLightPresenceOptions {
  graceMs: number;
  presenceMaxAgeMs: number | undefined;
  reminderMs: number | undefined;
}

function milliseconds(min: 0 | 1) {
  return z
    .number({
      error: (iss) =>
        `must be a whole number of milliseconds, got ${iss.input === undefined ? "nothing" : describeType(iss.input)}`,
    })
    .int("must be a whole number of milliseconds")
    .min(min, min === 0 ? "must be 0 or more" : "must be more than 0");
}

// Infinity and null both mean "not set", so a caller can pass what it has.
const unset = (v: unknown): unknown => (v === null || v === Number.POSITIVE_INFINITY ? undefined : v);

export const lightPresenceOptionsSchema = z.strictObject(
  {
    graceMs: milliseconds(0).default(0),
    presenceMaxAgeMs: z.preprocess(unset, milliseconds(1).optional()),
    reminderMs: z.preprocess(unset, milliseconds(1).optional()),
  },
  {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `unknown option ${iss.keys.map((k) => `"${k}"`).join(", ")} (known: graceMs, presenceMaxAgeMs, reminderMs)`
        : `options must be an object, got ${describeType(iss.input)}`,
  },
);

export type OptionsResult =
  | { ok: true; value: ResolvedLightPresenceOptions }
  | { ok: false; issues: ReadingIssue[] };

/** Validates detector options; every issue names its field. Never throws. */
export function parseLightPresenceOptions(input: unknown = {}): OptionsResult {
  const r = lightPresenceOptionsSchema.safeParse(input ?? {});
  if (!r.success) {
    return {
      ok: false,
      issues: fieldIssues(r.error.issues),
    };
  }
  return {
    ok: true,
    value: {
      graceMs: r.data.graceMs,
      presenceMaxAgeMs: r.data.presenceMaxAgeMs,
      reminderMs: r.data.reminderMs,
    },
  };
}

type Phase = "idle" | "pending" | "open";

interface RoomState extends Scheduled {
  readonly room: string;
  light: number | undefined;
  lightDevice: string;
  presence: number | undefined;
  presenceDevice: string;
  /** Event time of the latest presence reading (by arrival). */
  presenceTime: number;
  /** idle: condition false; pending: true, grace running; open: anomaly started. */
  phase: Phase;
  since: number;
  detectedAt: number;
  nextReminder: number;
}

const NO_EVENTS: readonly AnomalyEvent[] = Object.freeze([]);

/** One room in a snapshot (validated by core/detector-state.ts). */
export interface RoomSnapshot {
  room: string;
  light: number | null;
  lightDevice: string;
  presence: number | null;
  presenceDevice: string;
  presenceTime: number;
  phase: Phase;
  since: number;
  detectedAt: number;
  nextReminder: JsonNumber;
}

/** Everything a LightPresenceDetector holds, as plain JSON values. */
export interface DetectorBody {
  /** Max event time seen; null before any input. */
  clock: number | null;
  /** In first-seen order (ties between rooms' deadlines follow it). */
  rooms: RoomSnapshot[];
}

export class LightPresenceDetector {
  readonly options: ResolvedLightPresenceOptions;
  private readonly graceMs: number;
  private readonly maxAgeMs: number;
  private readonly reminderMs: number;
  private readonly rooms = new Map<string, RoomState>();
  private readonly deadlines = new DeadlineHeap<RoomState>();
  /** Devices whose latest availability reading said offline. */
  private readonly offlineDevices = new Set<string>();
  private clock = Number.NEGATIVE_INFINITY;
  private out: AnomalyEvent[] = [];

  /** Throws a RangeError naming each invalid option. */
  constructor(options: LightPresenceOptions = {}) {
    const parsed = parseLightPresenceOptions(options);
    if (!parsed.ok) {
      const text = formatIssues(parsed.issues);
      throw new RangeError(`invalid light-presence options: ${text}`);
    }
    this.options = parsed.value;
    this.graceMs = parsed.value.graceMs;
    this.maxAgeMs = parsed.value.presenceMaxAgeMs ?? Number.POSITIVE_INFINITY;
    this.reminderMs = parsed.value.reminderMs ?? Number.POSITIVE_INFINITY;
  }

  /** The detector's clock (max event time seen), or undefined before any input. */
  get now(): number | undefined {
    return this.clock === Number.NEGATIVE_INFINITY ? undefined : this.clock;
  }

  /**
   * Feeds one reading: advances the clock to its event time (firing what fell due), then applies
   * it. Sensor types other than light and presence only advance the clock. O(log rooms with a
   * running condition) per reading, O(1) when nothing is due.
   */
  observe(r: TimedReading): readonly AnomalyEvent[] {
    const t = r.time;
    if (!Number.isFinite(t)) throw new RangeError(`reading time must be finite, got ${t}`);
    if (t > this.clock) {
      this.clock = t;
      this.fireDue();
    }
    const type = r.reading.sensor_type;
    if (type === "availability") this.availability(r);
    else if (type === "presence" && this.offlineDevices.has(r.reading.device_id)) this.forgetPresence(r);
    else if (type === "light" || type === "presence") {
      this.apply(r, type === "light");
      this.fireDue(); // a late reading can start a condition whose grace already ran out
    }
    return this.flushOut();
  }

  /** Advances the clock without a reading (a wall-clock timer); returns what fell due. */
  advanceTo(time: number): readonly AnomalyEvent[] {
    if (!Number.isFinite(time)) throw new RangeError(`time must be a finite number, got ${time}`);
    if (time > this.clock) {
      this.clock = time;
      this.fireDue();
    }
    return this.flushOut();
  }

  /** Anomalies started and not yet ended, in rooms' first-seen order. */
  openAnomalies(): OpenAnomaly[] {
    const open: OpenAnomaly[] = [];
    for (const s of this.rooms.values()) {
      if (s.phase !== "open") continue;
      open.push({
        room: s.room,
        since: toIso(s.since),
        detected_at: toIso(s.detectedAt),
        light_device_id: s.lightDevice,
        presence_device_id: s.presenceDevice,
      });
    }
    return open;
  }

  private apply(r: TimedReading, isLight: boolean): void {
    const { room: name, value, device_id } = r.reading;
    let s = this.rooms.get(name);
    if (!s) {
      s = {
        room: name,
        light: undefined,
        lightDevice: "",
        presence: undefined,
        presenceDevice: "",
        presenceTime: 0,
        phase: "idle",
        since: 0,
        detectedAt: 0,
        nextReminder: 0,
        dueTime: 0,
        duePhase: 0,
        order: this.rooms.size,
        heapIndex: -1,
      };
      this.rooms.set(name, s);
    }
    if (isLight) {
      s.light = value;
      s.lightDevice = device_id;
    } else {
      s.presence = value;
      s.presenceDevice = device_id;
      s.presenceTime = r.time;
    }
    const holds = s.light === 1 && s.presence === 0 && this.clock - s.presenceTime <= this.maxAgeMs;
    if (s.phase === "idle") {
      if (!holds) return;
      s.phase = "pending";
      s.since = r.time;
      this.reschedule(s);
    } else if (!holds) {
      if (s.phase === "open") this.end(s, r.time);
      s.phase = "idle";
      this.deadlines.cancel(s);
    } else if (!isLight) {
      this.reschedule(s); // presence refreshed: a new expiry
    }
  }

  private availability(r: TimedReading): void {
    const device = r.reading.device_id;
    if (r.reading.value === 1) this.offlineDevices.delete(device);
    else {
      this.offlineDevices.add(device);
      this.forgetPresence(r);
    }
  }

  /** Presence in the reading's room becomes unknown if it came from the reading's device. */
  private forgetPresence(r: TimedReading): void {
    const s = this.rooms.get(r.reading.room);
    if (!s || s.presence === undefined || s.presenceDevice !== r.reading.device_id) return;
    s.presence = undefined;
    if (s.phase === "open") this.end(s, r.time);
    s.phase = "idle";
    this.deadlines.cancel(s);
  }

  /** Puts the room's next deadline in the heap, or takes it out when it has none. */
  private reschedule(s: RoomState): void {
    const stale = s.presenceTime + this.maxAgeMs;
    const next = s.phase === "pending" ? s.since + this.graceMs : s.nextReminder;
    if (next <= stale) {
      s.dueTime = next;
      s.duePhase = 0;
    } else {
      s.dueTime = stale;
      s.duePhase = 1;
    }
    if (s.dueTime === Number.POSITIVE_INFINITY) this.deadlines.cancel(s);
    else this.deadlines.schedule(s);
  }

  private fireDue(): void {
    for (;;) {
      const s = this.deadlines.peek();
      if (s === undefined || !isDue(s, this.clock)) return;
      this.fire(s);
    }
  }

  private fire(s: RoomState): void {
    const at = s.dueTime;
    if (s.duePhase === 1) {
      // The presence reading expired: presence is unknown, the condition no longer holds.
      if (s.phase === "open") this.end(s, at);
      s.phase = "idle";
      this.deadlines.cancel(s);
      return;
    }
    if (s.phase === "pending") {
      s.phase = "open";
      s.detectedAt = at;
      s.nextReminder = at + this.reminderMs;
      this.out.push({
        event: "anomaly_start",
        room: s.room,
        since: toIso(s.since),
        detected_at: toIso(at),
        light_device_id: s.lightDevice,
        presence_device_id: s.presenceDevice,
      });
    } else {
      s.nextReminder = at + this.reminderMs;
      this.out.push({
        event: "anomaly_reminder",
        room: s.room,
        since: toIso(s.since),
        at: toIso(at),
        duration_s: (at - s.since) / 1000,
        light_device_id: s.lightDevice,
        presence_device_id: s.presenceDevice,
      });
    }
    this.reschedule(s);
  }

  private end(s: RoomState, time: number): void {
    const endedAt = Math.max(time, s.since);
    this.out.push({
      event: "anomaly_end",
      room: s.room,
      since: toIso(s.since),
      ended_at: toIso(endedAt),
      duration_s: (endedAt - s.since) / 1000,
    });
  }

  private flushOut(): readonly AnomalyEvent[] {
    if (this.out.length === 0) return NO_EVENTS;
    const events = this.out;
    this.out = [];
    return events;
  }

  // --- State snapshots (versioned and validated in core/detector-state.ts) ---

  /** Everything this detector holds, as plain JSON values. */
  exportBody(): DetectorBody {
    const rooms: RoomSnapshot[] = [];
    for (const s of this.rooms.values()) {
      rooms.push({
        room: s.room,
        light: s.light ?? null,
        lightDevice: s.lightDevice,
        presence: s.presence ?? null,
        presenceDevice: s.presenceDevice,
        presenceTime: s.presenceTime,
        phase: s.phase,
        since: s.since,
        detectedAt: s.detectedAt,
        nextReminder: toJsonNumber(s.nextReminder),
      });
    }
    return { clock: this.now ?? null, rooms };
  }

  /**
   * Replaces this fresh detector's state with `body` (from `exportBody` of a detector with the same
   * options); the deadlines of rooms whose condition holds are scheduled again from it.
   */
  importBody(body: DetectorBody): void {
    if (this.rooms.size > 0 || this.clock !== Number.NEGATIVE_INFINITY) {
      throw new Error("importBody: the detector is not fresh");
    }
    this.clock = body.clock ?? Number.NEGATIVE_INFINITY;
    for (const r of body.rooms) {
      const s: RoomState = {
        room: r.room,
        light: r.light ?? undefined,
        lightDevice: r.lightDevice,
        presence: r.presence ?? undefined,
        presenceDevice: r.presenceDevice,
        presenceTime: r.presenceTime,
        phase: r.phase,
        since: r.since,
        detectedAt: r.detectedAt,
        nextReminder: Number(r.nextReminder),
        dueTime: 0,
        duePhase: 0,
        order: this.rooms.size,
        heapIndex: -1,
      };
      this.rooms.set(r.room, s);
      if (s.phase !== "idle") this.reschedule(s);
    }
  }
}
