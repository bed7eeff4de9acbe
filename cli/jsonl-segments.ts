// The bytes of a stream cut at each "\n", handed over in place (no string per line): the JSONL
// reader scans most lines straight from these bytes and decodes only the rest.
export type SegmentHandler = (buf: Buffer, start: number, end: number) => void | Promise<void>;

/** Calls `onSegment` for each "\n"-terminated run of bytes, and for a last one without "\n". */
export async function forEachSegment(
  source: AsyncIterable<Buffer | string>,
  onSegment: SegmentHandler,
): Promise<void> {
  // Chunks of a line still waiting for its "\n" (a line may span many chunks).
  let pending: Buffer[] = [];
  for await (const piece of source) {
    const chunk = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
    let nl = chunk.indexOf(10);
    if (nl === -1) {
      pending.push(chunk);
      continue;
    }
    let start = 0;
    if (pending.length > 0) {
      // Only the line that spans chunks is copied, never the rest of the chunk.
      const line = Buffer.concat([...pending, chunk.subarray(0, nl)]);
      pending = [];
      const waiting = onSegment(line, 0, line.length);
      if (waiting) await waiting;
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    while (nl !== -1) {
      const waiting = onSegment(chunk, start, nl);
      start = nl + 1;
      if (waiting) await waiting;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) {
    const last = Buffer.concat(pending);
    await onSegment(last, 0, last.length);
  }
}
