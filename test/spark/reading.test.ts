// The Spark job's reading rules (spark/homestream_spark/reading.py) against core/reading.ts: the
// same records must give the same reading, event time and rejection reason. Plain python3, no
// Spark: the module is pure. JSON syntax errors are worded by each parser, so for those only the
// "invalid JSON" part is compared.
import { spawnSync } from "node:child_process";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIssues, parseReadingJson } from "../../core/reading.js";
import { requirePrerequisite } from "../setup/prerequisite.js";

const sparkDir = path.resolve(import.meta.dirname, "../../spark");
const python = spawnSync("python3", ["--version"], { encoding: "utf8" });
const runs = requirePrerequisite(
  "python3",
  python.error === undefined && python.status === 0,
  "python3 on PATH, for the Spark job's reading rules",
);

interface Outcome {
  reading?: unknown;
  time?: number;
  reason?: string;
}

function viaPython(texts: readonly string[], zone: string): Outcome[] {
  const r = spawnSync("python3", ["-m", "homestream_spark.reading", zone], {
    cwd: sparkDir,
    input: `${texts.map((t) => JSON.stringify(t)).join("\n")}\n`,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`reading.py exited ${r.status}: ${r.stderr}`);
  return r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Outcome);
}

function viaCore(text: string, zone: string): Outcome {
  const r = parseReadingJson(text, { timeZone: zone });
  return r.ok ? { reading: r.value.reading, time: r.value.time } : { reason: formatIssues(r.issues) };
}

/** A string as UTF-8 carries it: a lone surrogate becomes U+FFFD (String#toWellFormed, ES2024). */
const wellFormed = (s: string): string =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");

/** As UTF-8 output carries it: lone surrogates become U+FFFD. */
const comparable = (o: Outcome): Outcome =>
  JSON.parse(JSON.stringify(o), (_k, v: unknown) => (typeof v === "string" ? wellFormed(v) : v)) as Outcome;

/** Asserts both agree; returns how many were valid, so a test can show it covered both kinds. */
function expectSame(texts: readonly string[], zone: string): number {
  const py = viaPython(texts, zone);
  const differences = texts
    .map((t, i) => ({ t, js: comparable(viaCore(t, zone)), py: comparable(py[i] as Outcome) }))
    .filter((d) => JSON.stringify(d.js) !== JSON.stringify(d.py));
  expect(differences).toEqual([]);
  return py.filter((o) => o.reading !== undefined).length;
}

const base = {
  room: "kitchen",
  sensor_type: "temperature",
  value: 21.5,
  timestamp: "2026-11-27T21:00:00Z",
  device_id: "kitchen_temperature_001",
};
const v = (o: Record<string, unknown>) => JSON.stringify({ ...base, ...o });

const CASES = [
  v({}),
  v({ value: "21" }),
  v({ value: true }),
  v({ value: null }),
  v({ sensor_type: "light", value: "ON" }),
  v({ sensor_type: "light", value: " off\n" }),
  v({ sensor_type: "light", value: false }),
  v({ sensor_type: "presence", value: 2 }),
  v({ sensor_type: "presence", value: 0.5e-7 }),
  v({ sensor_type: "presence", value: 1e21 }),
  v({ sensor_type: "presence", value: 123456789.125 }),
  v({ sensor_type: "presence", value: `maybe-${"x".repeat(50)}` }),
  v({ timestamp: null }),
  v({ timestamp: 1764277200000 }),
  v({ timestamp: 1764277200000.9 }),
  v({ timestamp: -1e20 }),
  v({ timestamp: "2026-11-27 21:00" }),
  v({ timestamp: "2026-11-27T21:00:00.123456+02:00" }),
  v({ timestamp: "2026-11-27T21:00:00,5-0530" }),
  v({ timestamp: "2026-11-27T21:00:00+24:00" }),
  v({ timestamp: "2026-02-29T00:00:00Z" }),
  v({ timestamp: "2028-02-29T00:00:00Z" }),
  v({ timestamp: "2026-11-27T21:00:60Z" }),
  v({ timestamp: "yesterday" }),
  v({ timestamp: "2026-11-27T21:00:00Z\n" }),
  v({ timestamp: "0099-12-31T23:59:59Z" }),
  v({ timestamp: "0100-01-01T00:00:00Z" }),
  v({ timestamp: "１９７０-01-01T00:00:00Z" }),
  v({ timestamp: "2026-03-29T02:30:00" }),
  v({ timestamp: "2026-10-25T02:30:00" }),
  v({ timestamp: {} }),
  v({ timestamp: [] }),
  v({ room: "" }),
  v({ room: "a".repeat(129) }),
  v({ room: "😀".repeat(128) }),
  v({ room: "😀".repeat(129) }),
  v({ room: "a\u0085b" }),
  v({ room: 3 }),
  v({ device_id: undefined }),
  v({ device_id: false }),
  "[1,2]",
  '"text"',
  "null",
  "42",
  "{broken",
  '{"value": NaN}',
  '{"room":"r","sensor_type":"t","value":1e400,"timestamp":0,"device_id":"d"}',
  '{"room":"r","sensor_type":"t","value":123456789012345678901234567890,"timestamp":0,"device_id":"d"}',
  '{"room":"r","sensor_type":"t","value":-0,"timestamp":0,"device_id":"d"}',
  '{"sensor_type":"t"}',
];

describe.runIf(runs)("spark/homestream_spark/reading.py equals core/reading.ts", () => {
  it("on hand-picked records, in UTC and in a zone with daylight saving time", () => {
    expect(expectSame(CASES, "UTC")).toBe(16);
    expectSame(CASES, "Europe/Paris");
  });

  it("on generated records", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.string({ unit: "binary", maxLength: 6 }),
      fc.constantFrom("", "ON", "off", "true", "kitchen", "a".repeat(130)),
    );
    const field = fc.oneof(
      text,
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(0, 1, -1, 1e21, 1764277200000),
      fc.constant(undefined),
    );
    const timestamp = fc.oneof(
      field,
      fc.date({ min: new Date(-1e14), max: new Date(1e14), noInvalidDate: true }).map((d) => d.toISOString()),
      fc
        .tuple(
          fc.integer({ min: 0, max: 9999 }),
          fc.integer({ min: 0, max: 13 }),
          fc.integer({ min: 0, max: 32 }),
          fc.integer({ min: 0, max: 25 }),
          fc.constantFrom("Z", "", "+01:00", "-0930", "+2400", "z", ".1234Z", ",5"),
        )
        .map(([y, mo, d, h, z]) => {
          const p = (n: number, w = 2) => String(n).padStart(w, "0");
          return `${p(y, 4)}-${p(mo)}-${p(d)}T${p(h)}:30:15${z}`;
        }),
    );
    // Mostly plausible fields, so valid readings and single-field rejections are common too.
    const likely = <T>(good: fc.Arbitrary<T>) =>
      fc.oneof({ arbitrary: good, weight: 5 }, { arbitrary: field, weight: 1 });
    const record = fc.record({
      room: likely(fc.constantFrom("kitchen", "living_room", "chambre à coucher")),
      sensor_type: likely(fc.constantFrom("temperature", "light", "presence", "co2")),
      value: likely(fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, 1, "ON", "off", true))),
      timestamp: likely(timestamp),
      device_id: likely(fc.constantFrom("dev_1", "kitchen_light_001")),
    });
    const texts = fc.sample(record, { numRuns: 3000, seed: 15 }).map((r) => JSON.stringify(r));
    const valid = expectSame(texts, "UTC");
    expect(valid).toBeGreaterThan(20);
    expect(valid).toBeLessThan(texts.length);
    expectSame(texts.slice(0, 500), "America/New_York");
  });

  it("on broken JSON: the same words as V8's JSON.parse", () => {
    const broken = fc
      .tuple(
        fc.json({ maxDepth: 3 }),
        fc.nat(),
        fc.constantFrom("cut", "insert", "delete", "replace"),
        fc.constantFrom(
          ...'{}[]",:-.0123e+tfnu\\ x\u0001😀é\t\n'.split(""),
          "\u0000",
          "01",
          "1.",
          "1e",
          "NaN",
          "\\u12",
          "\\x",
        ),
      )
      .map(([t, p, op, ch]) => {
        const i = t.length === 0 ? 0 : p % (t.length + 1);
        if (op === "cut") return t.slice(0, i);
        if (op === "insert") return t.slice(0, i) + ch + t.slice(i);
        if (op === "delete") return t.slice(0, i) + t.slice(i + 1);
        return t.slice(0, i) + ch + t.slice(i + 1);
      });
    // As bytes on Kafka carry them: a pair cut in half is U+FFFD once encoded.
    const texts = fc.sample(broken, { numRuns: 4000, seed: 7 }).map(wellFormed);
    const invalid = texts.filter((t) => viaCore(t, "UTC").reason?.startsWith("invalid JSON:")).length;
    expect(invalid).toBeGreaterThan(1000);
    expectSame(texts, "UTC");
    expectSame(["NaN", "Infinity", "undefined", "", " ", "\ufeff{}", "[😀,1]", "x".repeat(50)], "UTC");
  });
});
