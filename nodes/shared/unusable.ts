// A node whose configuration is invalid still deploys (Node-RED keeps the rest of the flow
// running): it shows a red ring and fails every message with the reason, so Catch nodes see it.
import type { Node } from "./red.js";
import type { StatusThrottle } from "./status.js";

export function failEveryMessage(
  node: Node,
  error: Error,
  statusText: string,
  status?: StatusThrottle,
): void {
  node.error(error.message, {});
  if (status) status.now({ fill: "red", shape: "ring", text: statusText });
  else node.status({ fill: "red", shape: "ring", text: statusText });
  node.on("input", (_msg, _send, done) => done(error));
  node.on("close", (_removed, done) => {
    status?.close();
    done();
  });
}
