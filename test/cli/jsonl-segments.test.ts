import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { forEachSegment } from "../../cli/jsonl-segments.js";

async function segments(chunks: Array<Buffer | string>): Promise<string[]> {
  const out: string[] = [];
  await forEachSegment(Readable.from(chunks), (buf, start, end) => {
    out.push(buf.toString("utf8", start, end));
  });
  return out;
}

/** `bytes` cut into chunks of the given sizes, taken in turn. */
function chunked(bytes: Buffer, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length] as number;
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

describe("forEachSegment", () => {
  it("cuts at every LF however the bytes are chunked, keeping a last line without LF", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("a", "\u00e9", "\n", "\r", "{}", "x y"), { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
        async (parts, sizes) => {
          const chunks = chunked(Buffer.from(parts.join(""), "utf8"), sizes);
          const expected = parts.join("").split("\n");
          if (expected[expected.length - 1] === "") expected.pop();
          expect(await segments(chunks)).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("with a line reader, every line is either taken in place or handed over, in order, however chunked", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("a", "ab", "\u00e9", "\n", "\r", "x y", "{}"), { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        async (parts, sizes, waits) => {
          const chunks = chunked(Buffer.from(parts.join(""), "utf8"), sizes);
          const seen: string[] = [];
          // Takes lines starting with "a" whose "\n" it finds before the limit, as a scanner would.
          const readLine = (buf: Buffer, start: number, limit: number): number | Promise<number> => {
            if (buf[start] !== 0x61) return -1;
            const nl = buf.indexOf(10, start);
            if (nl === -1 || nl >= limit) return -1;
            seen.push(`in place: ${buf.toString("utf8", start, nl)}`);
            return waits ? new Promise((resolve) => setImmediate(() => resolve(nl + 1))) : nl + 1;
          };
          await forEachSegment(
            Readable.from(chunks),
            (buf, start, end) => {
              seen.push(buf.toString("utf8", start, end));
            },
            readLine,
          );
          const lines = parts.join("").split("\n");
          if (lines[lines.length - 1] === "") lines.pop();
          expect(seen.map((l) => l.replace(/^in place: /, ""))).toEqual(lines);
          // Taken in place: only lines starting with "a" that had their "\n" in one chunk.
          for (const l of seen)
            if (l.startsWith("in place: ")) expect(l.startsWith("in place: a")).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("waits for a handler's promise before the next segment", async () => {
    const seen: string[] = [];
    await forEachSegment(Readable.from([Buffer.from("a\nb\nc")]), async (buf, start, end) => {
      const text = buf.toString("utf8", start, end);
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(text);
    });
    expect(seen).toEqual(["a", "b", "c"]);
  });
});
