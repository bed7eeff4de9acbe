// NodeStateKeeper's timing and bookkeeping, against an in-memory stand-in for Node-RED's global
// context (the real runtime is in test/nodes/state.test.ts and test/start/state.e2e.test.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NodeStateKeeper, SAVE_INTERVAL_MS, stateStore } from "../../../nodes/shared/node-state.js";
import type { ContextScope, Node } from "../../../nodes/shared/red.js";

/** A node whose global context is a plain object per store, recording every write. */
function fakeNode(id = "n1") {
  const stores = new Map<string | undefined, Record<string, unknown>>();
  const writes: Array<{ store: string | undefined; key: string; value: unknown }> = [];
  const data = (store: string | undefined) => {
    let d = stores.get(store);
    if (!d) {
      d = {};
      stores.set(store, d);
    }
    return d;
  };
  const global: ContextScope = {
    get(key, store, cb) {
      const [top, sub] = key.split(".") as [string, string | undefined];
      const v = data(store)[top] as Record<string, unknown> | undefined;
      cb(null, sub === undefined ? v : v?.[sub]);
    },
    set(key, value, store, cb) {
      writes.push({ store, key, value });
      const [top, sub] = key.split(".") as [string, string | undefined];
      if (sub === undefined) data(store)[top] = value;
      else {
        const obj = (data(store)[top] ?? {}) as Record<string, unknown>;
        if (value === undefined) delete obj[sub];
        else obj[sub] = value;
        data(store)[top] = obj;
      }
      cb(null);
    },
  };
  const node = { id, context: () => ({ global }), warn: vi.fn() } as unknown as Node;
  return { node, writes, data };
}

describe("NodeStateKeeper", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("saves once, SAVE_INTERVAL_MS after the first of many changes, and again after later ones", async () => {
    const { node, writes } = fakeNode();
    let version = 0;
    const keeper = new NodeStateKeeper(node, () => ({ version }), { store: "file", now: () => 1000 });
    for (let i = 0; i < 100; i++) {
      version = i;
      keeper.changed();
    }
    await vi.advanceTimersByTimeAsync(SAVE_INTERVAL_MS - 1);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([
      { store: "file", key: "homestream_state.n1", value: { savedAt: 1000, body: { version: 99 } } },
    ]);
    await vi.advanceTimersByTimeAsync(SAVE_INTERVAL_MS * 3);
    expect(writes).toHaveLength(1); // nothing changed since
    version = 100;
    keeper.changed();
    await vi.advanceTimersByTimeAsync(SAVE_INTERVAL_MS);
    expect(writes.at(-1)?.value).toEqual({ savedAt: 1000, body: { version: 100 } });
    expect(SAVE_INTERVAL_MS).toBeLessThanOrEqual(5000);
  });

  it("saves on close, deletes its entry when the node is removed, and loads what it saved", async () => {
    const { node, data } = fakeNode();
    const keeper = new NodeStateKeeper(node, () => ({ v: 1 }), { store: undefined, now: () => 5 });
    keeper.changed();
    await keeper.close(false);
    await vi.advanceTimersByTimeAsync(SAVE_INTERVAL_MS * 2);
    expect(data(undefined)).toEqual({ homestream_state: { n1: { savedAt: 5, body: { v: 1 } } } });
    const next = new NodeStateKeeper(node, () => ({ v: 2 }), { store: undefined });
    expect(await next.load()).toEqual({ found: true, saved: { savedAt: 5, body: { v: 1 } } });
    await next.close(true);
    expect(data(undefined)).toEqual({ homestream_state: {} });
    expect(await next.load()).toEqual({ found: false });
  });

  it("reports an entry that is not a saved state; prunes entries of nodes no longer deployed", async () => {
    const { node, data } = fakeNode("keep");
    data(undefined).homestream_state = {
      keep: "garbage",
      gone: { savedAt: 1, body: {} },
      "sub-flow1": { savedAt: 1, body: {} },
    };
    const keeper = new NodeStateKeeper(node, () => ({}), { store: undefined });
    expect(await keeper.load()).toMatchObject({
      found: true,
      error: expect.stringContaining("not a saved node state"),
    });
    await keeper.prune(new Set(["keep", "other"]));
    expect(Object.keys(data(undefined).homestream_state as object).sort()).toEqual(["keep", "sub-flow1"]);
  });

  it("keeps nothing with the store 'none'", async () => {
    const { node, writes } = fakeNode();
    const keeper = new NodeStateKeeper(node, () => ({}), { store: stateStore().parse("none") });
    keeper.changed();
    await vi.advanceTimersByTimeAsync(SAVE_INTERVAL_MS * 2);
    await keeper.close(false);
    expect(writes).toEqual([]);
    expect(await keeper.load()).toEqual({ found: false });
    expect(stateStore().parse("")).toBeUndefined();
    expect(stateStore().parse(undefined)).toBeUndefined();
    expect(stateStore().parse(" file ")).toBe("file");
  });
});
