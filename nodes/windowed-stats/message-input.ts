// windowed-stats' *any message* input mode: a value from a chosen property (msg.payload by
// default, or JSONata), the series from msg.topic or a chosen property, event time from a chosen
// property or the arrival time. Each message becomes one sample for the window engine, grouped by
// series; a value that is not a number is handed back as a rejection for the second output.

import { numericValue } from "@homestream/core/message-value";
import type { WindowInput, WindowResult } from "@homestream/core/window-engine";
import { z } from "zod";
import { choice, parseConfig } from "../shared/config.js";
import {
  eventTimeOf,
  type PropertyReader,
  propertyReader,
  readAll,
  seriesKeyOf,
  type TypedProperty,
  typedProperty,
  typedPropertyOf,
} from "../shared/input-mode.js";
import type { NodeAPI, NodeMessage } from "../shared/red.js";

export const INPUT_MODES = ["readings", "message"] as const;

const schema = z.object({
  inputMode: choice(INPUT_MODES, "readings"),
  valueProp: typedProperty("value", { value: "payload", type: "msg" }, ["msg", "jsonata"]),
  seriesProp: typedProperty("series", { value: "topic", type: "msg" }, ["msg", "jsonata"]),
  timeProp: typedProperty("event time", { value: "", type: "date" }, ["date", "msg", "jsonata"]),
});

export type MessageInputConfig =
  | { mode: "readings" }
  | { mode: "message"; value: TypedProperty; series: TypedProperty; time: TypedProperty };

/** The input mode of a windowed-stats node as the editor saved it; throws a NodeConfigError. */
export function messageInputConfig(def: Record<string, unknown>): MessageInputConfig {
  const c = parseConfig(schema, {
    inputMode: def.inputMode,
    valueProp: typedPropertyOf(def, "valueProp"),
    seriesProp: typedPropertyOf(def, "seriesProp"),
    timeProp: typedPropertyOf(def, "timeProp"),
  });
  if (c.inputMode === "readings") return { mode: "readings" };
  return { mode: "message", value: c.valueProp, series: c.seriesProp, time: c.timeProp };
}

export type Sample =
  | { kind: "sample"; input: WindowInput; time: number }
  /** The value is not a number: counted, and the message goes to the second output. */
  | { kind: "not-numeric"; reason: string };

/** Reads samples from messages with the configured properties. */
export class MessageSampler {
  private readonly readers: PropertyReader[];

  constructor(
    RED: NodeAPI,
    node: object,
    config: Extract<MessageInputConfig, { mode: "message" }>,
    private readonly timeZone: string,
  ) {
    this.readers = [config.value, config.series, config.time].map((p) => propertyReader(RED, node, p));
  }

  /** Errors (a bad series or time, a failing JSONata expression) go to `callback`'s first argument. */
  read(msg: NodeMessage, callback: (err: Error | null, sample?: Sample) => void): void {
    readAll(this.readers, msg, (err, [raw, series, time]) => {
      if (err) {
        callback(err);
        return;
      }
      const key = seriesKeyOf(series);
      if (!key.ok) {
        callback(new Error(key.reason));
        return;
      }
      const t = eventTimeOf(time, this.timeZone);
      if (!t.ok) {
        callback(new Error(t.reason));
        return;
      }
      const v = numericValue(raw);
      if (!v.ok) {
        callback(null, { kind: "not-numeric", reason: `value: ${v.reason}` });
        return;
      }
      // The engine groups message samples by `room` only (see messageEngineGroups), which holds the series.
      callback(null, {
        kind: "sample",
        input: { room: key.key, sensor_type: "", device_id: "", value: v.value },
        time: t.time,
      });
    });
  }
}

/** A window result of message samples: the series instead of the reading columns. */
export function seriesResultMessage(r: WindowResult): NodeMessage {
  const series = r.room ?? "";
  return {
    topic: series,
    payload: {
      window_start: r.window_start,
      window_end: r.window_end,
      series,
      avg_value: r.avg_value,
      min_value: r.min_value,
      max_value: r.max_value,
      count: r.count,
      sum_value: r.sum_value,
      stddev_value: r.stddev_value,
    },
  };
}
