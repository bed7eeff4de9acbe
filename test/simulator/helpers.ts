// Shared helpers for the simulator tests: collecting events and the light-without-presence
// oracle (the original rule, per room, latest values in arrival order).
import type { SimEvent } from "../../simulator/events.js";

export const START = Date.UTC(2026, 0, 1, 0, 0, 0);

export function collect<T>(events: Iterable<T>, count: number): T[] {
  const out: T[] = [];
  for (const e of events) {
    out.push(e);
    if (out.length >= count) break;
  }
  return out;
}

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
export function chiSquareUniform(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

export interface AnomalySpan {
  room: string;
  from: number;
  to: number;
}

/** Spans during which a room's latest light is 1 and its latest presence is 0. */
export function lightWithoutPresence(events: readonly SimEvent[]): AnomalySpan[] {
  const light = new Map<string, number>();
  const presence = new Map<string, number>();
  const open = new Map<string, number>();
  const spans: AnomalySpan[] = [];
  for (const e of events) {
    if (e.kind !== "reading") continue;
    const { room, sensor_type: type, value } = e.reading;
    if (type === "light") light.set(room, value);
    else if (type === "presence") presence.set(room, value);
    else continue;
    const on = light.get(room) === 1 && presence.get(room) === 0;
    const since = open.get(room);
    if (on && since === undefined) open.set(room, e.time);
    if (!on && since !== undefined) {
      spans.push({ room, from: since, to: e.time });
      open.delete(room);
    }
  }
  return spans;
}
