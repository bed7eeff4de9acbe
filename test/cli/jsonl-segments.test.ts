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

describe("forEachSegment", () => {
  it("cuts at every LF however the bytes are chunked, keeping a last line without LF", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("a", "\u00e9", "\n", "\r", "{}", "x y"), { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
        async (parts, sizes) => {
          const bytes = Buffer.from(parts.join(""), "utf8");
          const chunks: Buffer[] = [];
          for (let at = 0, i = 0; at < bytes.length; i++) {
            const n = sizes[i % sizes.length] as number;
            chunks.push(bytes.subarray(at, at + n));
            at += n;
          }
          const expected = parts.join("").split("\n");
          if (expected[expected.length - 1] === "") expected.pop();
          expect(await segments(chunks)).toEqual(expected);
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
