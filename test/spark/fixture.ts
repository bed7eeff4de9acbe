// A held log for the Spark suites, made deterministically: the simulator's seeded readings with its
// late and malformed faults, timestamps rewritten into every form the reading schema accepts
// (epoch ms, UTC offsets, naive, comma fractions), binary values as ON/OFF and true/false, and
// hand-written malformed lines that name each rule of core/reading.ts.
import { spawnSync } from "node:child_process";
import { parseReadingJson } from "../../core/reading.js";
import { cliMain } from "./spark-run.js";

const MALFORMED = [
  "{broken",
  "[1,2]",
  '"just text"',
  "null",
  "42",
  '{"room":"kitchen","sensor_type":"temperature","value":NaN,"timestamp":"2026-01-01T00:00:00Z","device_id":"k"}',
  '{"room":"","sensor_type":"temperature","value":21,"timestamp":"2026-01-01T00:00:00Z","device_id":"k"}',
  '{"room":"kitchen","sensor_type":"temperature","value":"21.5","timestamp":"2026-01-01T00:00:00Z","device_id":"k"}',
  '{"room":"kitchen","sensor_type":"light","value":2,"timestamp":"2026-01-01T00:00:00Z","device_id":"k"}',
  '{"room":"kitchen","sensor_type":"presence","value":"maybe","timestamp":"2026-01-01T00:00:00Z","device_id":"k"}',
  '{"room":"kitchen","sensor_type":"temperature","value":21,"timestamp":"2026-02-30T00:00:00Z","device_id":"k"}',
  '{"room":"kitchen","sensor_type":"temperature","value":21,"timestamp":"2026-01-01T24:00:00Z","device_id":"k"}',
  '{"room":"kitchen","sensor_type":"temperature","value":21,"timestamp":"2026-01-01T10:00:00+25:00","device_id":"k"}',
  '{"room":"kitchen","sensor_type":"temperature","value":21,"timestamp":"yesterday","device_id":"k"}',
  '{"room":"kitchen","sensor_type":"temperature","value":21,"timestamp":1e20,"device_id":"k"}',
  '{"room":"kitchen","sensor_type":"temperature","value":21,"timestamp":true,"device_id":"k"}',
  '{"room":"kitchen","sensor_type":"temperature","value":21,"timestamp":"2026-01-01T00:00:00Z","device_id":"bell\\u0007"}',
  `{"room":"${"r".repeat(129)}","sensor_type":"temperature","value":21,"timestamp":"2026-01-01T00:00:00Z","device_id":"k"}`,
  '{"room":"kitchen","sensor_type":5,"timestamp":null}',
  '{"room":"kitchen","sensor_type":"temperature","value":1e400,"timestamp":"2026-01-01T00:00:00Z","device_id":"k"}',
];

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** The timestamp in another accepted form, chosen by the line's index. */
function retime(iso: string, i: number): string | number {
  const t = Date.parse(iso);
  if (i % 5 === 1) return t; // epoch milliseconds
  if (i % 7 === 2) return new Date(t + 2 * 3_600_000).toISOString().replace("Z", "+02:00");
  if (i % 11 === 3) return iso.replace("T", " ").replace("Z", ""); // naive: read as UTC
  if (i % 17 === 5) {
    const d = new Date(t - 90 * 60_000);
    const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    return `${date}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())},${pad(d.getUTCMilliseconds(), 3)}417-0130`;
  }
  return iso;
}

export interface Fixture {
  /** Every line, in order. */
  lines: string[];
  /** The lines the reading schema accepts (what the bridge forwards). */
  valid: { line: string; room: string; sensorType: string }[];
}

/** `count` simulated lines (seeded) with mixed timestamp forms and malformed lines mixed in. */
export function makeFixture(seed: number, count: number, faults = "late=0.05,malformed=0.02"): Fixture {
  // faults "": in-order readings only
  const sim = spawnSync(
    process.execPath,
    [
      cliMain,
      "sim",
      "--seed",
      String(seed),
      "--count",
      String(count),
      ...(faults ? ["--faults", faults] : []),
    ],
    { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
  );
  if (sim.status !== 0) throw new Error(`homestream sim failed: ${sim.stderr}`);
  const lines: string[] = [];
  const valid: Fixture["valid"] = [];
  sim.stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .forEach((line, i) => {
      if (i % 97 === 50) lines.push(MALFORMED[Math.floor(i / 97) % MALFORMED.length] as string);
      const parsed = parseReadingJson(line);
      if (!parsed.ok) {
        lines.push(line);
        return;
      }
      const r = parsed.value.reading;
      const o: Record<string, unknown> = { ...r, timestamp: retime(r.timestamp, i) };
      if ((r.sensor_type === "light" || r.sensor_type === "presence") && i % 3 === 0) {
        o.value = i % 2 === 0 ? (r.value === 1 ? "ON" : "off") : r.value === 1;
      }
      const text = JSON.stringify(o);
      lines.push(text);
      valid.push({ line: text, room: r.room, sensorType: r.sensor_type });
    });
  return { lines, valid };
}
