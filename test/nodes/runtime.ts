// Shared set-up for the node tests: the real Node-RED 5 runtime through
// node-red-node-test-helper, and event-driven waits (no sleeps) on helper and catch nodes. Collectors
// of an expected number of messages keep listening a while after the last one, to see duplicates.
import { createRequire } from "node:module";
import helper from "node-red-node-test-helper";

helper.init(createRequire(import.meta.url).resolve("node-red"));

/** The runtime's global context (where windowed-stats and light-presence keep their state). */
export function globalContext(): {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
} {
  return (
    helper as unknown as { _context: { get(id: string): ReturnType<typeof globalContext> } }
  )._context.get("global");
}

// Our nodes keep their state in the global context, which helper.unload() leaves alone (it cleans
// node contexts only): every test starts without the state of the one before.
const unload = helper.unload.bind(helper);
helper.unload = async () => {
  await unload();
  globalContext().set("homestream_state", undefined);
};

export { helper };

export type Msg = Record<string, unknown> & {
  payload?: unknown;
  topic?: string;
  error?: { message: string };
};

/**
 * Resolves with the next `count` messages the node with `id` receives, exactly: after the last of them
 * it keeps listening for `settleMs`, and rejects if any more (a duplicate, a window emitted twice)
 * arrive. Rejects after `timeoutMs` with what came. For sources that go on emitting, use collector().
 */
export function messages(id: string, count: number, timeoutMs = 5000, settleMs = 500): Promise<Msg[]> {
  const node = helper.getNode(id);
  if (!node) throw new Error(`no node ${id} in the flow`);
  return new Promise((resolve, reject) => {
    const got: Msg[] = [];
    let settling: NodeJS.Timeout | undefined;
    // Node-RED keeps input listeners for the node's life (no off()): this one goes quiet once settled.
    let finished = false;
    const timer = setTimeout(() => {
      finished = true;
      reject(new Error(`node ${id}: ${got.length} of ${count} messages after ${timeoutMs} ms`));
    }, timeoutMs);
    node.on("input", ((msg: Msg) => {
      if (finished) return;
      got.push(msg);
      if (got.length === count) {
        clearTimeout(timer);
        settling = setTimeout(() => {
          finished = true;
          resolve(got);
        }, settleMs);
      } else if (got.length > count) {
        clearTimeout(settling);
        finished = true;
        reject(
          new Error(
            `node ${id}: more than the ${count} messages expected; message ${got.length}: ${JSON.stringify(msg.payload)}`,
          ),
        );
      }
    }) as (...args: never[]) => void);
  });
}

/** Every message the node with `id` receives from now on, and a wait for the first `n` of them. */
export function collector(id: string): {
  msgs: Msg[];
  waitFor(n: number, timeoutMs?: number): Promise<Msg[]>;
} {
  const node = helper.getNode(id);
  if (!node) throw new Error(`no node ${id} in the flow`);
  const msgs: Msg[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  node.on("input", ((msg: Msg) => {
    msgs.push(msg);
    for (const w of waiters.filter((w) => msgs.length >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  }) as (...args: never[]) => void);
  return {
    msgs,
    waitFor(n, timeoutMs = 5000) {
      if (msgs.length >= n) return Promise.resolve(msgs.slice(0, n));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`node ${id}: ${msgs.length} of ${n} messages after ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve(msgs.slice(0, n));
          },
        });
      });
    },
  };
}

/** The next message the node with `id` receives (and no other within `settleMs`, see messages()). */
export async function message(id: string, timeoutMs = 5000, settleMs = 500): Promise<Msg> {
  const [msg] = await messages(id, 1, timeoutMs, settleMs);
  return msg as Msg;
}

type Status = { fill?: string; shape?: string; text?: string };

/** The status the node with `id` shows now (the last one it set), if any. */
export function currentStatus(id: string): Status | undefined {
  const node = helper.getNode(id);
  // the helper wraps Node.prototype.status in a sinon spy that records every node's calls
  const spy = (
    helper as unknown as {
      _NodePrototype: { status: { getCalls(): { thisValue: unknown; args: [Status] }[] } };
    }
  )._NodePrototype.status;
  const calls = spy.getCalls().filter((c) => c.thisValue === node);
  return calls[calls.length - 1]?.args[0];
}

/** Resolves when the node with `id` shows a status matching `predicate` (now or later). */
export function statusOf(id: string, predicate: (s: Status) => boolean, timeoutMs = 5000): Promise<Status> {
  const node = helper.getNode(id);
  const now = currentStatus(id);
  if (now && predicate(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `node ${id}: no matching status after ${timeoutMs} ms (now ${JSON.stringify(currentStatus(id))})`,
          ),
        ),
      timeoutMs,
    );
    node.on("call:status", ((call: { args: [Status] }) => {
      const s = call.args[0];
      if (predicate(s)) {
        clearTimeout(timer);
        resolve(s);
      }
    }) as (...args: never[]) => void);
  });
}

/**
 * A flow tab holding the given nodes, plus a catch node ("catch" -> helper "caught"). Node-RED 5
 * treats a node without x/y as a config node, so flow nodes get a position; nodes passed with
 * `config: true` are config nodes (no position, no tab).
 */
export function flowWithCatch(nodes: Record<string, unknown>[]): Record<string, unknown>[] {
  const placed = nodes.map(({ config, ...n }) =>
    config ? n : { z: "tab", x: 100, y: 100, wires: [], ...n },
  );
  return [
    { id: "tab", type: "tab", label: "test" },
    ...placed,
    {
      id: "catch",
      type: "catch",
      z: "tab",
      x: 100,
      y: 200,
      scope: null,
      uncaught: false,
      wires: [["caught"]],
    },
    { id: "caught", type: "helper", z: "tab", x: 300, y: 200, wires: [] },
  ];
}
