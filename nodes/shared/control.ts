// Control messages (msg.reset, msg.flush) may come from an inject node, whose default payload is
// a timestamp: such a message carries no reading and must not be rejected as an invalid one.
import type { NodeMessage } from "./red.js";

/** True when the message only carries control flags (`names`), no reading to process. */
export function isControlOnly(msg: NodeMessage, names: readonly string[] = ["flush", "reset"]): boolean {
  if (!names.some((n) => msg[n] === true)) return false;
  const p = msg.payload;
  return p === undefined || p === null || p === "" || typeof p === "number" || typeof p === "boolean";
}
