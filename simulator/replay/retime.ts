// Moving a replayed log in time: with a new start, every reading keeps its distance from the
// log's first reading, so a recording from last week can be replayed as if it happened now.
import { toIso } from "@homestream/core/time";
import type { ReadingEvent } from "../events.js";

export class Retimer {
  private offset: number | undefined;

  /** `start` undefined keeps the recorded timestamps. */
  constructor(private readonly start: number | undefined) {}

  apply(event: ReadingEvent): ReadingEvent {
    if (this.start === undefined) return event;
    this.offset ??= this.start - event.time;
    if (this.offset === 0) return event;
    const time = event.time + this.offset;
    return { ...event, time, reading: { ...event.reading, timestamp: toIso(time) } };
  }
}
