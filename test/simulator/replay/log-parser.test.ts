import { describe, expect, it } from "vitest";
import { createLogParser, type LogEntry } from "../../../simulator/replay/log-parser.js";

const parseAll = (lines: string[], options = {}): LogEntry[] => {
  const parser = createLogParser(options);
  return lines.flatMap((l) => {
    const e = parser.push(l);
    return e ? [e] : [];
  });
};

describe("createLogParser", () => {
  it("parses JSONL, skips blank lines and reports bad lines with their number", () => {
    const entries = parseAll([
      '{"room":"kitchen","sensor_type":"temperature","value":21.5,"timestamp":"2026-01-01T10:00:00Z","device_id":"kitchen_temperature_001"}',
      "",
      '{"room":"kitchen","sensor_type":"light","value":"ON","timestamp":1767261601000,"device_id":"kitchen_light_001"}',
      '{"room":"kitchen"',
      '{"room":"kitchen","sensor_type":"temperature","value":"hot","timestamp":"2026-01-01T10:00:02Z","device_id":"k"}',
    ]);
    expect(entries).toEqual([
      {
        ok: true,
        line: 1,
        event: {
          kind: "reading",
          time: Date.UTC(2026, 0, 1, 10),
          reading: {
            room: "kitchen",
            sensor_type: "temperature",
            value: 21.5,
            timestamp: "2026-01-01T10:00:00.000Z",
            device_id: "kitchen_temperature_001",
          },
        },
      },
      expect.objectContaining({ ok: true, line: 3 }),
      expect.objectContaining({ ok: false, line: 4, reason: expect.stringMatching(/^invalid JSON/) }),
      { ok: false, line: 5, reason: "value: must be a finite number, got string" },
    ]);
    const light = entries[1] as Extract<LogEntry, { ok: true }>;
    expect(light.event.reading.value).toBe(1);
    expect(light.event.reading.timestamp).toBe("2026-01-01T10:00:01.000Z");
  });

  it("parses CSV with the original's columns in any order, naive times in the given zone", () => {
    const parser = createLogParser({ timeZone: "Europe/Paris" });
    const lines = [
      "\uFEFFtimestamp,device_id,value,room,sensor_type",
      "2025-12-19T10:00:00.123456,living_room_temperature_001,22.5,living_room,temperature",
      '2025-12-19T10:00:01,"kitchen_light_001",OFF,kitchen,light',
      "1766134802000,bedroom_presence_001,1,bedroom,presence",
    ];
    const entries = lines.map((l) => parser.push(l));
    expect(parser.format).toBe("csv");
    expect(entries[0]).toBeUndefined();
    expect(entries.slice(1).map((e) => e?.ok && e.event.reading)).toEqual([
      {
        room: "living_room",
        sensor_type: "temperature",
        value: 22.5,
        timestamp: "2025-12-19T09:00:00.123Z",
        device_id: "living_room_temperature_001",
      },
      {
        room: "kitchen",
        sensor_type: "light",
        value: 0,
        timestamp: "2025-12-19T09:00:01.000Z",
        device_id: "kitchen_light_001",
      },
      {
        room: "bedroom",
        sensor_type: "presence",
        value: 1,
        timestamp: "2025-12-19T09:00:02.000Z",
        device_id: "bedroom_presence_001",
      },
    ]);
  });

  it("reports CSV rows with the wrong number of cells, missing fields and bad quoting", () => {
    const entries = parseAll([
      "room,sensor_type,value,timestamp,device_id",
      "kitchen,temperature,21.0,2026-01-01T00:00:00Z",
      "kitchen,temperature,,2026-01-01T00:00:00Z,kitchen_temperature_001",
      'kitchen,temperature,"21,2026-01-01T00:00:00Z,x',
    ]);
    expect(entries.map((e) => [e.line, e.ok])).toEqual([
      [2, false],
      [3, false],
      [4, false],
    ]);
    expect(entries[0]).toMatchObject({ reason: "CSV: 4 cells where the header has 5 columns" });
    expect(entries[1]).toMatchObject({ reason: "value: is required" });
    expect(entries[2]).toMatchObject({ reason: expect.stringMatching(/^CSV: /) });
  });

  it("decides the format on the first non-blank line unless told", () => {
    const json = createLogParser();
    json.push("");
    json.push('{"room":"a"}');
    expect(json.format).toBe("jsonl");
    const forced = createLogParser({ format: "jsonl" });
    expect(forced.push("room,sensor_type,value,timestamp,device_id")).toMatchObject({ ok: false, line: 1 });
  });
});
