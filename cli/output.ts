// JSONL to a stream, respecting backpressure so a slow consumer (a pipe, a file) bounds memory.
import { once } from "node:events";

export interface JsonlWriter {
  write(obj: unknown): Promise<void> | undefined;
  end(): Promise<void>;
}

export function createJsonlWriter(stream: NodeJS.WritableStream = process.stdout): JsonlWriter {
  return {
    write(obj) {
      if (stream.write(`${JSON.stringify(obj)}\n`)) return undefined;
      return once(stream, "drain").then(() => undefined);
    },
    async end() {
      if (stream === process.stdout || stream === process.stderr) {
        // Never end the process's own stdio; wait until what was written is flushed.
        await new Promise<void>((resolve) => stream.write("", () => resolve()));
        return;
      }
      await new Promise<void>((resolve) => stream.end(() => resolve()));
    },
  };
}
