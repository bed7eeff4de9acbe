import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createStdoutOutput } from "../../cli/sim-output.js";
import { parseReadingJson } from "../../core/reading.js";
import type { SimEvent } from "../../simulator/events.js";
import { createSimulation, take } from "../../simulator/simulation.js";

describe("createStdoutOutput", () => {
  it("writes readings as JSON lines and malformed payloads verbatim", async () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c.toString()));
    const out = createStdoutOutput(stream);
    const events = [
      ...take(
        createSimulation({
          scenario: "random",
          seed: 3,
          start: 0,
          faults: [{ kind: "malformed", probability: 0.2 }],
        }),
        500,
      ),
    ];
    expect(events.some((e) => e.kind === "malformed")).toBe(true);
    for (const e of events) await out.send(e);
    await out.close();
    const lines = chunks.join("").split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(500);
    lines.forEach((line, i) => {
      const e = events[i] as SimEvent;
      if (e.kind === "reading") expect(JSON.parse(line)).toEqual(e.reading);
      else {
        expect(line).toBe(e.text);
        expect(parseReadingJson(line).ok).toBe(false);
      }
    });
  });
});
