// The logger the Kafka layer writes to (pino's call shape, so a pino logger fits as is), and the bridge
// that routes kafkajs's own log lines into it instead of the console.
import { type logCreator, logLevel } from "kafkajs";

export type LogFn = (fields: Record<string, unknown>, message: string) => void;

export interface KafkaLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop: LogFn = () => {};
export const silentLogger: KafkaLogger = { debug: noop, info: noop, warn: noop, error: noop };

export const KAFKAJS_LEVEL = {
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
} as const;

// Lines kafkajs logs as errors or warnings for conditions this layer handles itself (it retries with
// backoff and reports each record's fate): as errors they would cry wolf, so they are logged as debug.
const HANDLED = [
  "Limiting retries for the idempotent producer", // the producer retries batches itself, see producer.ts
  "Failed to send messages", // a produce attempt; the batch is retried
  "Connection error", // the broker is away; reconnecting is reported through status events
  "Connection timeout",
  "The group coordinator is not available", // transient while the broker starts
  "The coordinator is loading",
  "Error when calling eachBatch", // the consumer logs the handler's error itself
  "Crash: ", // a consumer restart: reported as status "reconnecting"
  "Restarting the consumer",
  // One line per error response (NOT_LEADER, coordinator loading, "topic exists" on createTopics…):
  // kafkajs retries these or they reach this layer as exceptions, which it reports.
  "Response ",
];

/** A kafkajs logCreator that forwards every line, with its namespace and fields, to `target`. */
export function kafkajsLogCreator(target: KafkaLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
      const text = String(message);
      const handled = HANDLED.some((prefix) => text.startsWith(prefix));
      const fn =
        level === logLevel.ERROR || level === logLevel.WARN
          ? handled
            ? target.debug
            : level === logLevel.ERROR
              ? target.error
              : target.warn
          : level === logLevel.INFO
            ? target.info
            : target.debug;
      fn.call(target, { component: "kafkajs", namespace, ...fields }, text);
    };
}
