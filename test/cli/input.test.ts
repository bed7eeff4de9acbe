import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../cli/errors.js";
import { forEachReading } from "../../cli/input.js";
import type { TimedReading } from "../../core/reading.js";

const dir = mkdtempSync(join(tmpdir(), "homestream-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function collect(input: string, extra: { strict?: boolean; timeZone?: string } = {}) {
  const readings: TimedReading[] = [];
  const messages: string[] = [];
  const summary = await forEachReading(
    { input, command: "t", log: (m) => messages.push(m), ...extra },
    (r) => {
      readings.push(r);
    },
  );
  return { readings, messages, summary };
}

const good = (room: string, t: string) =>
  JSON.stringify({ room, sensor_type: "temperature", value: 20, timestamp: t, device_id: `${room}_t` });

describe("forEachReading", () => {
  it("reads JSONL, skipping malformed lines with their line numbers", async () => {
    const p = file(
      "a.jsonl",
      [
        good("a", "2026-01-01T00:00:00Z"),
        "not json",
        "",
        '{"room":"b"}',
        good("c", "2026-01-01T00:00:01"),
      ].join("\n"),
    );
    const { readings, messages, summary } = await collect(p);
    expect(readings.map((r) => r.reading.room)).toEqual(["a", "c"]);
    expect(summary).toEqual({ lines: 4, readings: 2, malformed: 2 });
    expect(messages[0]).toMatch(/^t: line 2: invalid JSON/);
    expect(messages[1]).toMatch(/^t: line 4: sensor_type: is required/);
  });

  it("reads CSV by header name in any column order, with ON/OFF, epoch ms and quoted cells", async () => {
    const p = file(
      "b.log",
      [
        "timestamp,room,device_id,sensor_type,value",
        "2026-01-01T00:00:00,kitchen,kitchen_light_001,light,ON",
        '1767225600000,"living, room",lr_t,temperature,21.5',
        "2026-01-01T00:00:02,kitchen,k_t,temperature,warm",
        "2026-01-01T00:00:03,kitchen,k_t,temperature",
      ].join("\r\n"),
    );
    const { readings, messages, summary } = await collect(p);
    expect(readings.map((r) => [r.reading.room, r.reading.value, r.reading.timestamp])).toEqual([
      ["kitchen", 1, "2026-01-01T00:00:00.000Z"],
      ["living, room", 21.5, "2026-01-01T00:00:00.000Z"],
    ]);
    expect(summary.malformed).toBe(2);
    expect(messages[0]).toMatch(/^t: line 4: value: must be a finite number/);
    expect(messages[1]).toMatch(/^t: line 5: CSV: /);
  });

  it("stops at the first malformed line with strict", async () => {
    const p = file("c.jsonl", `${good("a", "2026-01-01T00:00:00Z")}\n{}\n`);
    await expect(collect(p, { strict: true })).rejects.toThrow(/line 2: .*--strict/);
  });

  it("turns a missing file and an unknown zone into usage errors", async () => {
    await expect(collect(join(dir, "missing.jsonl"))).rejects.toBeInstanceOf(UsageError);
    await expect(collect(file("d.jsonl", ""), { timeZone: "Nowhere/Land" })).rejects.toBeInstanceOf(
      UsageError,
    );
  });

  it("cuts lines as readline does (LF, CRLF, lone CR, BOM) whether the scanner or the schema reads them", async () => {
    const python = (room: string, s: number) =>
      `{"room": "${room}", "sensor_type": "humidity", "value": 50.0, "timestamp": "2026-01-01T00:00:0${s}.5", "device_id": "d"}`;
    const p = file(
      "e.jsonl",
      `\uFEFF${python("a", 0)}\r\n${good("b", "2026-01-01T00:00:01Z")}\r${python("c", 2)}\n\r\n` +
        `{"room":"caf\u00e9","sensor_type":"humidity","value":1,"timestamp":"2026-01-01T00:00:03Z","device_id":"d"}\r` +
        `oops\n${python("e", 4)}`,
    );
    const { readings, messages, summary } = await collect(p);
    expect(readings.map((r) => [r.reading.room, r.reading.timestamp])).toEqual([
      ["a", "2026-01-01T00:00:00.500Z"],
      ["b", "2026-01-01T00:00:01.000Z"],
      ["c", "2026-01-01T00:00:02.500Z"],
      ["caf\u00e9", "2026-01-01T00:00:03.000Z"],
      ["e", "2026-01-01T00:00:04.500Z"],
    ]);
    expect(summary).toEqual({ lines: 6, readings: 5, malformed: 1 });
    expect(messages).toEqual([expect.stringMatching(/^t: line 6: invalid JSON/)]);
  });
});
