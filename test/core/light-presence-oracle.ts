// A brute-force oracle for LightPresenceDetector: no heap, no deadlines. It keeps every room's
// latest values and walks the clock forward one millisecond at a time, asking of each room at
// each instant "does the condition hold now?". Slow on purpose, so it can be trusted; test
// streams keep event times within a few seconds.
import type { AnomalyEvent } from "../../core/light-presence.js";
import type { TimedReading } from "../../core/reading.js";

export interface OracleOptions {
  graceMs: number;
  presenceMaxAgeMs?: number;
  reminderMs?: number;
}

export type Op = { reading: TimedReading } | { advanceTo: number };

interface Room {
  name: string;
  order: number;
  light?: { value: number; device: string };
  presence?: { value: number; device: string; time: number };
  /** Event time the condition began, or null while it does not hold. */
  since: number | null;
  /** Event time the anomaly was detected, or null before (or without) a start. */
  detected: number | null;
  nextReminder: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Events per op, as LightPresenceDetector should return them. Times must be whole ms. */
export function oracleDetect(ops: readonly Op[], o: OracleOptions): AnomalyEvent[][] {
  const rooms = new Map<string, Room>();
  let clock: number | undefined;

  const holdsAt = (r: Room, u: number): boolean =>
    r.light?.value === 1 &&
    r.presence?.value === 0 &&
    (o.presenceMaxAgeMs === undefined || u - r.presence.time <= o.presenceMaxAgeMs);

  const start = (r: Room, at: number): AnomalyEvent => {
    r.detected = at;
    r.nextReminder = o.reminderMs === undefined ? Number.POSITIVE_INFINITY : at + o.reminderMs;
    return {
      event: "anomaly_start",
      room: r.name,
      since: iso(r.since as number),
      detected_at: iso(at),
      light_device_id: r.light?.device as string,
      presence_device_id: r.presence?.device as string,
    };
  };
  const remind = (r: Room, at: number): AnomalyEvent => {
    r.nextReminder = at + (o.reminderMs as number);
    return {
      event: "anomaly_reminder",
      room: r.name,
      since: iso(r.since as number),
      at: iso(at),
      duration_s: (at - (r.since as number)) / 1000,
      light_device_id: r.light?.device as string,
      presence_device_id: r.presence?.device as string,
    };
  };
  const end = (r: Room, at: number): AnomalyEvent => {
    const since = r.since as number;
    const endedAt = Math.max(at, since);
    return {
      event: "anomaly_end",
      room: r.name,
      since: iso(since),
      ended_at: iso(endedAt),
      duration_s: (endedAt - since) / 1000,
    };
  };

  const out: AnomalyEvent[][] = [];
  for (const op of ops) {
    const t = "reading" in op ? op.reading.time : op.advanceTo;
    // Events while time passes, keyed by when they happen; an expiry happens just after the
    // presence reading's last valid instant, so it sorts half a millisecond late.
    const passing: Array<{ key: number; order: number; event: AnomalyEvent }> = [];
    if (clock === undefined) clock = t;
    const active = () => [...rooms.values()].some((r) => r.since !== null);
    // Rooms only leave the condition while time passes, so stop stepping once none is in it.
    for (let u = clock + 1; u <= t && active(); u++) {
      for (const r of rooms.values()) {
        if (r.since === null) continue;
        if (!holdsAt(r, u)) {
          // Only time moves between readings, so this is the presence reading expiring at u - 1.
          if (r.detected !== null) passing.push({ key: u - 0.5, order: r.order, event: end(r, u - 1) });
          r.since = null;
          r.detected = null;
        } else if (r.detected === null) {
          if (u - r.since >= o.graceMs) {
            if (u !== r.since + o.graceMs) throw new Error("oracle: grace expiry skipped");
            passing.push({ key: u, order: r.order, event: start(r, u) });
          }
        } else if (u === r.nextReminder) {
          passing.push({ key: u, order: r.order, event: remind(r, u) });
        }
      }
    }
    clock = Math.max(clock, t);
    passing.sort((a, b) => a.key - b.key || a.order - b.order); // stable: a room's own order stays
    const events = passing.map((p) => p.event);

    if ("reading" in op) {
      const { room: name, sensor_type, value, device_id } = op.reading.reading;
      if (sensor_type === "light" || sensor_type === "presence") {
        let r = rooms.get(name);
        if (!r) {
          r = { name, order: rooms.size, since: null, detected: null, nextReminder: 0 };
          rooms.set(name, r);
        }
        if (sensor_type === "light") r.light = { value, device: device_id };
        else r.presence = { value, device: device_id, time: t };
        const held = r.since !== null;
        const holds = holdsAt(r, clock);
        if (!held && holds) {
          r.since = t;
          // A late reading can begin a condition whose grace has already run out by the clock.
          if (t + o.graceMs <= clock) {
            events.push(start(r, t + o.graceMs));
            while (r.nextReminder <= clock) events.push(remind(r, r.nextReminder));
          }
        } else if (held && !holds) {
          if (r.detected !== null) events.push(end(r, t));
          r.since = null;
          r.detected = null;
        }
      }
    }
    out.push(events);
  }
  return out;
}
