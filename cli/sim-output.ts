// Where `homestream sim` sends its events. Standard output (JSONL) is the one sink today; MQTT
// (`--mqtt URL`) and Kafka (`--kafka BROKERS`) outputs implement the same interface and are
// chosen in `simCommand`'s action, where the stdout output is built now.
import type { SimEvent } from "@homestream/simulator/events";
import { createJsonlWriter } from "./output.js";

export interface SimOutput {
  /** Sends one event; returns a promise when the caller must wait before the next (backpressure). */
  send(event: SimEvent): Promise<void> | undefined;
  /** Flushes what was sent and releases the sink (never closes the process's own stdout). */
  close(): Promise<void>;
}

/** One JSON reading a line; a malformed event's payload is written verbatim as its line. */
export function createStdoutOutput(stream: NodeJS.WritableStream = process.stdout): SimOutput {
  const jsonl = createJsonlWriter(stream);
  return {
    send: (event) => (event.kind === "reading" ? jsonl.write(event.reading) : jsonl.writeLine(event.text)),
    close: () => jsonl.end(),
  };
}
