// The bytes of a stream cut at each "\n", handed over in place (no string per line): the JSONL
// reader scans most lines straight from these bytes and decodes only the rest. A source may reuse a
// chunk's buffer once the next chunk is asked for (file-chunks.ts does): the bytes of a line still
// waiting for its "\n" are copied.
export type SegmentHandler = (buf: Buffer, start: number, end: number) => void | Promise<void>;

/**
 * Reads the line starting at `start` in place when it can, finding its "\n" itself (before `limit`,
 * the end of the bytes at hand): the index just past that "\n" (or a promise of it, to wait for
 * before the next line), or -1 to have the line cut and handed to the segment handler instead.
 */
export type LineReader = (buf: Buffer, start: number, limit: number) => number | Promise<number>;

/**
 * Calls `onSegment` for each "\n"-terminated run of bytes, and for a last one without "\n"; with
 * `readLine`, each line it takes is not searched for its "\n" nor handed to `onSegment`.
 */
export async function forEachSegment(
  source: AsyncIterable<Buffer | string>,
  onSegment: SegmentHandler,
  readLine?: LineReader,
): Promise<void> {
  // Chunks of a line still waiting for its "\n" (a line may span many chunks).
  let pending: Buffer[] = [];
  for await (const piece of source) {
    const chunk = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
    let start = 0;
    if (pending.length > 0) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        pending.push(Buffer.from(chunk));
        continue;
      }
      // Only the line that spans chunks is copied, never the rest of the chunk.
      const line = Buffer.concat([...pending, chunk.subarray(0, nl)]);
      pending = [];
      const waiting = onSegment(line, 0, line.length);
      if (waiting) await waiting;
      start = nl + 1;
    }
    while (start < chunk.length) {
      if (readLine !== undefined) {
        let next = readLine(chunk, start, chunk.length);
        if (typeof next !== "number") next = await next;
        if (next >= 0) {
          start = next;
          continue;
        }
      }
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      const waiting = onSegment(chunk, start, nl);
      start = nl + 1;
      if (waiting) await waiting;
    }
    if (start < chunk.length) pending.push(Buffer.from(chunk.subarray(start)));
  }
  if (pending.length > 0) {
    const last = Buffer.concat(pending);
    await onSegment(last, 0, last.length);
  }
}
