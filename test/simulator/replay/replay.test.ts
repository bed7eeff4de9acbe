import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import type { ReadingEvent } from "../../../simulator/events.js";
import { randomScenario } from "../../../simulator/random.js";
import { replayLog } from "../../../simulator/replay/read-log.js";
import { Retimer } from "../../../simulator/replay/retime.js";
import { collect, START } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "homestream-replay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const recorded = collect(randomScenario({ seed: 11, start: START, rate: 2 }), 200);

async function all(iter: AsyncIterable<ReadingEvent>): Promise<ReadingEvent[]> {
  const out: ReadingEvent[] = [];
  for await (const e of iter) out.push(e);
  return out;
}

describe("replayLog", () => {
  it("re-emits a recorded JSONL log exactly", async () => {
    const path = join(dir, "log.jsonl");
    writeFileSync(path, `${recorded.map((e) => JSON.stringify(e.reading)).join("\n")}\n`);
    expect(await all(replayLog({ source: path }))).toEqual(recorded);
  });

  it("re-emits a CSV log (columns in any order) and reports the lines it skips", async () => {
    const path = join(dir, "log.csv");
    const rows = recorded.map((e) =>
      [e.reading.device_id, e.reading.timestamp, e.reading.sensor_type, e.reading.value, e.reading.room].join(
        ",",
      ),
    );
    rows.splice(10, 0, "broken_device,not-a-time,temperature,20,kitchen");
    writeFileSync(path, ["device_id,timestamp,sensor_type,value,room", ...rows].join("\r\n"));
    const rejected: Array<[number, string]> = [];
    const events = await all(
      replayLog({ source: path, onRejected: (line, reason) => rejected.push([line, reason]) }),
    );
    expect(events).toEqual(recorded);
    expect(rejected).toEqual([[12, expect.stringMatching(/^timestamp: /)]]);
  });

  it("reads an open stream and moves the log to a new start, keeping the gaps", async () => {
    const text = recorded
      .slice(0, 5)
      .map((e) => JSON.stringify(e.reading))
      .join("\n");
    const newStart = Date.UTC(2030, 5, 1, 12);
    const events = await all(replayLog({ source: Readable.from([text]), start: newStart }));
    expect(events.map((e) => e.time - newStart)).toEqual([0, 500, 1000, 1500, 2000]);
    expect(events[0]?.reading.timestamp).toBe("2030-06-01T12:00:00.000Z");
    expect(events.map((e) => e.reading.value)).toEqual(recorded.slice(0, 5).map((e) => e.reading.value));
  });

  it("fails for a missing file", async () => {
    await expect(all(replayLog({ source: join(dir, "missing.jsonl") }))).rejects.toThrow(/ENOENT/);
  });
});

describe("Retimer", () => {
  it("keeps times without a start and shifts relative to the first reading with one", () => {
    const [a, b] = recorded as [ReadingEvent, ReadingEvent];
    expect(new Retimer(undefined).apply(a)).toBe(a);
    const r = new Retimer(a.time + 60_000);
    expect(r.apply(a).time).toBe(a.time + 60_000);
    expect(r.apply(b).time).toBe(b.time + 60_000);
    expect(r.apply(b).reading.timestamp).toBe(new Date(b.time + 60_000).toISOString());
  });
});
