import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReadingLineScanner } from "../../cli/fast-reading-scanner.js";
import { parseReadingJson } from "../../core/reading.js";

const FIELDS = ["room", "sensor_type", "value", "timestamp", "device_id"] as const;

// Mostly the shapes logs hold, so the scanner takes many lines; the rest probes its refusals.
const name = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      "kitchen",
      "living_room",
      "temperature",
      "humidity",
      "light",
      "presence",
      "co2",
      "k_1",
    ),
  },
  fc.string({ maxLength: 4 }),
  fc.constantFrom("", "x".repeat(128), "x".repeat(129), "caf\u00e9", 'a"b', "a\\b", "a\u007fb", "a\tb"),
);
/** Number texts, JSON or not. */
const numberText = fc.oneof(
  fc.double({ noNaN: true }).map((d) => JSON.stringify(d)),
  fc.integer().map(String),
  fc.constantFrom(
    "0",
    "1",
    "-0",
    "2",
    "1.0",
    "20.0",
    "0.1",
    "-1.5",
    "1e2",
    "1E-5",
    "1e400",
    "01",
    "1.",
    ".5",
  ),
  fc.constantFrom("0.000000000000000000000001", "123456789012345678", "1.2345678901234567", "+1", "-"),
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 999_999_999 }), fc.nat(12)).map(
    ([i, f, n]) =>
      `${i}.${String(f)
        .padStart(9, "0")
        .slice(0, n + 1)}`,
  ),
);
const valueText = fc.oneof(
  { weight: 6, arbitrary: numberText },
  fc.constantFrom("true", "false", '"ON"', '"off"', "null", "[1]", '"1"', "{}"),
);
const two = (n: number) => String(n).padStart(2, "0");
const timestampText = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 1960, max: 2100 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 24 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 60 }),
      fc.constantFrom("", ".1", ".12", ".123", ".123456", ".999999", ".1234567891", ".", ",5"),
      fc.constantFrom("", "", "Z", "z", "+02:00", "-0530", " "),
      fc.constantFrom("T", "T", " "),
    )
    .map(
      ([y, mo, d, h, mi, s, frac, zone, sep]) =>
        `"${y}-${two(mo)}-${two(d)}${sep}${two(h)}:${two(mi)}:${two(s)}${frac}${zone}"`,
    ),
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.date({
          min: new Date(Date.UTC(1970, 0, 1)),
          max: new Date(Date.UTC(9999, 11, 31)),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 999_999 }),
        fc.constantFrom("", "Z"),
      )
      .map(([d, us, zone]) => `"${d.toISOString().slice(0, 19)}.${String(us).padStart(6, "0")}${zone}"`),
  },
  fc.constantFrom(
    '"2026-11-27T21:00"',
    '"2026-03-29T02:30:00"',
    '"2026-10-25T02:30:00"',
    "1795813200000",
    '""',
  ),
);
/** Separators the scanner must read (compact, Python's, blanks) and some it must not. */
const gap = fc.constantFrom("", "", "", "", " ", "\t", "  ", "\r", "\n");

const line = fc
  .record({
    order: fc.oneof(
      { weight: 6, arbitrary: fc.shuffledSubarray([...FIELDS], { minLength: 5, maxLength: 5 }) },
      fc.shuffledSubarray([...FIELDS], { minLength: 4, maxLength: 4 }),
    ),
    room: name,
    sensor_type: name,
    device_id: name,
    value: valueText,
    timestamp: timestampText,
    extra: fc.constantFrom(undefined, undefined, undefined, undefined, '"extra": 1', '"room": "again"'),
    pythonic: fc.boolean(),
    blank: gap,
    tail: fc.constantFrom("", "", "", "", " ", "\r", " \r", "\r ", "x", ","),
  })
  .map((r) => {
    const [colon, comma] = r.pythonic ? [": ", ", "] : [":", ","];
    const members = r.order.map((f) => {
      const v = f === "value" || f === "timestamp" ? r[f] : JSON.stringify(r[f]);
      return `"${f}"${colon}${v}`;
    });
    if (r.extra) members.push(r.extra);
    return `${r.blank}{${members.join(comma + r.blank)}}${r.tail}`;
  });

/**
 * Lines a scanner reads one after another, as in a log: names that share their first bytes, their
 * length or both, and timestamps that share their second, so what it remembers from line to line
 * (names, the last second) is put to the test; and some lines of any kind between them.
 */
const similarName = fc.constantFrom(
  "abcd",
  "abce",
  "abcde",
  "abcdf",
  "abcdefgh",
  "abcdefgi",
  "abc",
  "ab",
  "a",
  "b",
);
const secondText = fc.constantFrom(
  "2026-11-27T21:00:00",
  "2026-11-27T21:00:01",
  "2026-11-28T21:00:00",
  "2026-02-28T23:59:59",
);
const fraction = fc.constantFrom("", ".5", ".123", ".123456", ".999999", ".0");
const repetitiveLine = fc
  .record({
    room: similarName,
    sensor_type: fc.constantFrom("temperature", "humidity", "light", "presence", "abcd"),
    device_id: similarName,
    value: fc.constantFrom("0", "1", "20.5", "2", "-3.25"),
    second: secondText,
    fraction,
    zone: fc.constantFrom("", "Z"),
    pythonic: fc.boolean(),
    crlf: fc.constantFrom(false, false, false, true),
    // Now and then the same shape with other bytes of the same length around the values: a key
    // misspelt, two keys of one length swapped, blanks moved, a comma for a colon, a bracket
    // for the brace.
    noise: fc.constantFrom(
      ...Array<string>(12).fill(""),
      "rooM",
      "sensor_typf",
      "valUe",
      "swap",
      "moved",
      "comma",
      "bracket",
    ),
  })
  .map((r) => {
    const [colon, comma] = r.pythonic ? [": ", ", "] : [":", ","];
    const ts = `"${r.second}${r.fraction}${r.zone}"`;
    let text =
      `{"room"${colon}${JSON.stringify(r.room)}${comma}"sensor_type"${colon}${JSON.stringify(r.sensor_type)}` +
      `${comma}"value"${colon}${r.value}${comma}"timestamp"${colon}${ts}${comma}"device_id"${colon}` +
      `${JSON.stringify(r.device_id)}}${r.crlf ? "\r" : ""}`;
    if (r.noise === "swap")
      text = text
        .replace('"timestamp"', '"TIMESTAMP"')
        .replace('"device_id"', '"timestamp"')
        .replace('"TIMESTAMP"', '"device_id"');
    else if (r.noise === "moved") text = text.replaceAll(": ", " :").replaceAll(", ", " ,");
    else if (r.noise === "comma") text = text.replace(":", ",");
    else if (r.noise === "bracket") text = text.replace(/}(\r?)$/, "]$1");
    else if (r.noise !== "") text = text.replace(r.noise.toLowerCase(), r.noise);
    return text;
  });

function viaScanner(text: string, timeZone: string) {
  // Bytes around the line, as in a chunk of a file, to check the scanner keeps to its bounds.
  const bytes = Buffer.from(`{"room":"x"}\n${text}\n{`, "utf8");
  const start = bytes.indexOf(10) + 1;
  const end = bytes.length - 2;
  return new ReadingLineScanner(timeZone).scan(bytes, start, end);
}

describe("ReadingLineScanner", () => {
  it("gives exactly what parseReadingJson gives for every line it takes, in UTC and another zone", () => {
    let taken = 0;
    fc.assert(
      fc.property(line, fc.constantFrom("UTC", "Europe/Paris"), (text, timeZone) => {
        const fast = viaScanner(text, timeZone);
        if (fast === undefined) return;
        taken++;
        // The general path reads the line as readline cuts it: a CR at its end belongs to the CRLF.
        const general = parseReadingJson(text.endsWith("\r") ? text.slice(0, -1) : text, { timeZone });
        expect(general).toEqual({ ok: true, value: fast });
        expect(Object.is(general.ok && general.value.reading.value, fast.reading.value)).toBe(true);
      }),
      { numRuns: 30_000 },
    );
    // The property says something only if the scanner took a good share of the lines.
    expect(taken).toBeGreaterThan(1_000);
  });

  it("reads a log line after line as parseReadingJson reads each line, remembering names and seconds", () => {
    let taken = 0;
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 4, arbitrary: repetitiveLine }, line), { minLength: 1, maxLength: 60 }),
        fc.constantFrom("UTC", "Europe/Paris"),
        (lines, timeZone) => {
          const lineBreaks = lines.map((text) => text.includes("\n"));
          const bytes = Buffer.from(`${lines.join("\n")}\n`, "utf8");
          const scanner = new ReadingLineScanner(timeZone);
          const inPlace = new ReadingLineScanner(timeZone);
          let start = 0;
          for (let i = 0; i < lines.length; i++) {
            const text = lines[i] as string;
            const end = start + Buffer.byteLength(text, "utf8");
            const fast = scanner.scan(bytes, start, end);
            const line = lineBreaks[i] ? undefined : inPlace.scanLine(bytes, start, bytes.length);
            if (!lineBreaks[i]) {
              // Reading the line in place, up to its "\n", takes exactly what `scan` takes.
              expect(line).toEqual(fast);
              if (line !== undefined) expect(inPlace.next).toBe(end + 1);
            }
            if (fast !== undefined) {
              taken++;
              const general = parseReadingJson(text.endsWith("\r") ? text.slice(0, -1) : text, { timeZone });
              expect(general).toEqual({ ok: true, value: fast });
              expect(Object.is(general.ok && general.value.reading.value, fast.reading.value)).toBe(true);
            }
            start = end + 1;
          }
        },
      ),
      { numRuns: 3_000 },
    );
    expect(taken).toBeGreaterThan(5_000);
  });

  it("reads a line in place only up to its LF, and never past the end it is given", () => {
    const compact =
      '{"room":"kitchen","sensor_type":"light","value":1,"timestamp":"2026-11-27T21:00:00.000Z","device_id":"kitchen_light_001"}';
    const scanner = new ReadingLineScanner("UTC");
    const bytes = Buffer.from(`${compact}\n${compact}\r\n${compact}`);
    const second = compact.length + 1;
    expect(scanner.scanLine(bytes, 0, bytes.length)?.reading.room).toBe("kitchen");
    expect(scanner.next).toBe(second);
    expect(scanner.scanLine(bytes, second, bytes.length)?.reading.device_id).toBe("kitchen_light_001");
    expect(scanner.next).toBe(2 * second + 1);
    // The last line has no LF: left to the caller, as is a line cut short by the limit.
    expect(scanner.scanLine(bytes, 2 * second + 1, bytes.length)).toBeUndefined();
    expect(scanner.scanLine(bytes, 0, compact.length)).toBeUndefined();
    expect(scanner.scanLine(bytes, 0, 40)).toBeUndefined();
  });

  it("takes the Python producer's form and our compact form, and declines what needs the schema", () => {
    const python =
      '{"room": "kitchen", "sensor_type": "temperature", "value": 20.0, "timestamp": "2026-11-27T21:00:00.123456", "device_id": "kitchen_temperature_001"}';
    const compact =
      '{"room":"kitchen","sensor_type":"light","value":1,"timestamp":"2026-11-27T21:00:00.000Z","device_id":"kitchen_light_001"}';
    expect(viaScanner(python, "UTC")).toEqual({
      reading: {
        room: "kitchen",
        sensor_type: "temperature",
        value: 20,
        timestamp: "2026-11-27T21:00:00.123Z",
        device_id: "kitchen_temperature_001",
      },
      time: Date.UTC(2026, 10, 27, 21, 0, 0, 123),
    });
    expect(viaScanner(compact, "UTC")?.time).toBe(Date.UTC(2026, 10, 27, 21));
    // Naive time in Paris (UTC+1 in November).
    expect(viaScanner(python, "Europe/Paris")?.reading.timestamp).toBe("2026-11-27T20:00:00.123Z");
    for (const declined of [
      compact.replace('"value":1', '"value":"ON"'),
      compact.replace('"value":1', '"value":2'),
      compact.replace("kitchen_light_001", "k\\u00e9"),
      compact.replace("Z", "+01:00"),
      compact.replace("2026-11-27", "2026-02-30"),
      compact.replace("}", ',"extra":1}'),
      `\uFEFF${compact}`,
      "",
      "not json",
    ]) {
      expect(viaScanner(declined, "UTC"), declined).toBeUndefined();
    }
  });
});
