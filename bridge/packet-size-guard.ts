// Drops a connection as soon as a packet header announces more bytes than allowed, before the MQTT
// parser buffers it: without this a client could make the broker hold a 256 MB packet (the protocol's
// maximum) in memory. Payloads a little over the limit still reach the bridge and are dead-lettered;
// only packets far beyond it end the connection.
import type { Duplex } from "node:stream";

/**
 * Watches the bytes the broker reads from `stream` (aedes reads with `read()` in paused mode, so the
 * guard wraps that method; no extra stream, no copy) and destroys the stream with an error when a
 * packet's Remaining Length [MQTT-2.2.3] exceeds `maxPacketBytes`.
 */
export function guardPacketSize(
  stream: Duplex,
  maxPacketBytes: number,
  onTooLarge: (length: number) => void,
): void {
  // Framing state: 0 = expecting a fixed header byte, 1 = reading the length varint, 2 = skipping a body.
  let state = 0;
  let length = 0;
  let multiplier = 1;
  let remaining = 0;
  const inspect = (buf: Buffer): boolean => {
    let i = 0;
    while (i < buf.length) {
      if (state === 2) {
        const skip = Math.min(remaining, buf.length - i);
        remaining -= skip;
        i += skip;
        if (remaining === 0) state = 0;
      } else if (state === 0) {
        i++;
        state = 1;
        length = 0;
        multiplier = 1;
      } else {
        const byte = buf[i++] as number;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if (length > maxPacketBytes) {
          onTooLarge(length);
          return false;
        }
        if ((byte & 0x80) === 0) {
          remaining = length;
          state = remaining === 0 ? 0 : 2;
        } else if (multiplier > 128 ** 3) {
          // A fifth length byte is malformed [MQTT-2.2.3]; let the parser report it.
          state = 0;
        }
      }
    }
    return true;
  };
  const read = stream.read.bind(stream);
  stream.read = (size?: number) => {
    const chunk = read(size);
    if (chunk && Buffer.isBuffer(chunk) && !inspect(chunk)) {
      stream.destroy(new Error(`packet of ${length} bytes exceeds the ${maxPacketBytes}-byte limit`));
      return null;
    }
    return chunk;
  };
}
