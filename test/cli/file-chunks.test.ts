import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { fileChunks } from "../../cli/file-chunks.js";

const dir = mkdtempSync(join(tmpdir(), "homestream-chunks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("fileChunks", () => {
  it("gives the file's bytes in order, whatever the chunk size", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 64 }),
        async (bytes, size) => {
          const path = join(dir, "a.bin");
          writeFileSync(path, bytes);
          const seen: Buffer[] = [];
          // Copied as they come: a chunk's buffer is read into again after the next one.
          for await (const chunk of fileChunks(await open(path, "r"), size)) {
            expect(chunk.length).toBeGreaterThan(0);
            expect(chunk.length).toBeLessThanOrEqual(size);
            seen.push(Buffer.from(chunk));
          }
          expect(Buffer.concat(seen)).toEqual(Buffer.from(bytes));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("closes the file when the reader stops early", async () => {
    const path = join(dir, "b.bin");
    writeFileSync(path, Buffer.alloc(1000, 7));
    const handle = await open(path, "r");
    for await (const chunk of fileChunks(handle, 100)) {
      expect(chunk[0]).toBe(7);
      break;
    }
    // A closed handle has no file descriptor left.
    expect(handle.fd).toBe(-1);
  });
});
