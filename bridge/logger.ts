// The service logger: pino, JSON lines on stderr (stdout stays free for data), level from --log-level.
import { pino } from "pino";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Logger = pino.Logger;

export function createLogger(
  level: LogLevel,
  destination: pino.DestinationStream = pino.destination(2),
): Logger {
  return pino({ name: "homestream-bridge", level }, destination);
}

/** A logger that writes nothing (library use and tests). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
