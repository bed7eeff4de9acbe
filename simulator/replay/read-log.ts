// The I/O half of replay: lines from a file or stream, through the pure log parser and retimer.
// Rejected lines are reported to `onRejected` and skipped; pacing is the caller's.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { ReadingEvent } from "../events.js";
import { createLogParser, type LogFormat } from "./log-parser.js";
import { Retimer } from "./retime.js";

export interface ReplayOptions {
  /** A file path, or an already open stream (e.g. stdin). */
  source: string | Readable;
  format?: LogFormat;
  timeZone?: string;
  /** New event time of the first reading, epoch ms; undefined keeps the recorded times. */
  start?: number;
  onRejected?: (line: number, reason: string) => void;
}

export async function* replayLog(options: ReplayOptions): AsyncGenerator<ReadingEvent, void> {
  const input = typeof options.source === "string" ? createReadStream(options.source) : options.source;
  const parser = createLogParser({ format: options.format, timeZone: options.timeZone });
  const retimer = new Retimer(options.start);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      const entry = parser.push(line);
      if (entry === undefined) continue;
      if (entry.ok) yield retimer.apply(entry.event);
      else options.onRejected?.(entry.line, entry.reason);
    }
  } finally {
    lines.close();
    if (typeof options.source === "string") input.destroy();
  }
}
